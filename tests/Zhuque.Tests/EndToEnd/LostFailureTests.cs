using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// No power failure may be lost, or reported as saved when it was not:
/// a save that cannot keep every byte is a lost failure with its reason
/// (117, never 158); a failure sent to a stopped program is said to be
/// pending (116) and is saved when the program continues; and a real
/// failure right after a resume is not taken for the notification the
/// program's SIGPWR handler is owed.
/// </summary>
public sealed class LostFailureTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _state = new();
    readonly TempDir _dir = new();

    LineProcess Zhuque(params string[] args) =>
        new(Repo.Zhuque, args, new Dictionary<string, string> { ["XDG_STATE_HOME"] = _state.Path });

    ProcResult Cli(params string[] args) => ZhuqueCli.Run(_state.Path, args);

    int ProgramPid(string image) =>
        JsonDocument.Parse(Cli("inspect", "--json", image).Stdout).RootElement.GetProperty("outerPid").GetInt32();

    /// <summary>
    /// 961 MiB of unread bytes in 961 pipes of 1 MiB: more than the save
    /// area's 944 MiB. The bytes cannot all be kept, so
    /// the failure is lost, saying why, rather than saved without them.
    /// </summary>
    [Fact]
    public void MorePipeBytesThanTheSaveAreaHoldsIsALostFailureNotASavedOne()
    {
        using var fs = new SmallFilesystem(1100);
        var image = fs["img"];
        using var run = Zhuque("run", "--image", image, "--", programs.Zhuque("pipe_flood"));
        Assert.Equal("ready", run.ReadLine());
        var line = ZhuqueCli.AssertOneLineError(Cli("crash", image), 117);
        Assert.Contains("the power failure was not saved: the save area (unread pipe bytes, paths, addresses) is full (944 MiB)", line);
        Assert.Equal(117, run.WaitForExit());
        var inspect = Cli("inspect", image).Stdout;
        Assert.Contains("state:     lost", inspect);
        Assert.Contains("lost:      the save area (unread pipe bytes, paths, addresses) is full (944 MiB)", inspect);
    }

    /// <summary>
    /// A thread that never takes the failure (every signal blocked by a raw
    /// instruction, spinning): the capture gives up after 2 s, the failure
    /// is lost, and the reason names that thread and its state, so that a
    /// timeout says which thread held it up and what it was doing.
    /// </summary>
    [Fact]
    public void AThreadThatNeverStopsLosesTheFailureAndIsNamed()
    {
        var image = _dir["img"];
        using var run = Zhuque("run", "--image", image, "--", programs.Zhuque("late_thread"));
        var ready = run.ReadLine();
        Assert.StartsWith("ready ", ready, StringComparison.Ordinal);
        var tid = ready["ready ".Length..];
        var line = ZhuqueCli.AssertOneLineError(Cli("crash", "--timeout", "10", image), 117);
        Assert.Contains($"the power failure was not saved: a thread did not stop within 2 s (thread {tid}, state R)", line);
        Assert.Equal(117, run.WaitForExit());
        Assert.Contains("state:     lost", Cli("inspect", image).Stdout);
    }

    /// <summary>
    /// A stopped program takes no signal: crash cannot see it saved, but
    /// the failure is delivered and pending, which crash says (116); on
    /// SIGCONT the program is saved and its run ends with 158.
    /// </summary>
    [Fact]
    public void CrashOnAStoppedProgramSaysTheFailureIsPendingAndSigcontSavesIt()
    {
        var image = _dir["img"];
        using var run = Zhuque("run", "--image", image, "--", programs.Zhuque("many_threads"), "2");
        Assert.Equal("ready 2", run.ReadLine());
        var pid = ProgramPid(image).ToString(CultureInfo.InvariantCulture);
        Proc.Check("kill", "-STOP", pid);

        var line = ZhuqueCli.AssertOneLineError(Cli("crash", "--timeout", "0.5", image), 116);
        Assert.Contains($"SIGPWR was delivered to pid {pid} of image {image} and is pending: the program is stopped; it will be saved when it continues (SIGCONT)", line);

        // stdin stays open: at its end the program exits, which could come before the save.
        Proc.Check("kill", "-CONT", pid);
        Assert.Equal(158, run.WaitForExit(closeStdin: false));
        Assert.Contains("state:     saved", Cli("inspect", image).Stdout);
    }

    /// <summary>
    /// A real SIGPWR that reaches the process while a resume is still
    /// restoring it (here: held in its bind, as the test keeps the port)
    /// waits, blocked, until the program runs; the call the program's
    /// handler is owed after the resume must not merge with it. The failure
    /// is saved (158), and the handler is called only on the next resume.
    /// A failure while that call runs is saved too.
    /// </summary>
    [Fact]
    public void ARealFailureDuringAResumeIsSavedNotTakenForTheOwedNotification()
    {
        var image = _dir["img"];
        var port = Ports.Free();
        var program = programs.Zhuque("owed_power");
        using (var first = Zhuque("run", "--image", image, "--", program, port.ToString(CultureInfo.InvariantCulture), "20"))
        {
            Assert.Equal("ready", first.ReadLine());
            Assert.True(Cli("crash", image).ExitCode == 0);
            Assert.Equal(158, first.WaitForExit());
        }

        using (var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            holder.Bind(new IPEndPoint(IPAddress.Loopback, port));
            holder.Listen();
            using var resume = Zhuque("resume", image);
            var shim = WaitForChildSleeping(resume.Pid);
            Proc.Check("kill", "-PWR", shim.ToString(CultureInfo.InvariantCulture));
            holder.Close();
            Assert.Equal(158, resume.WaitForExit());
            Assert.DoesNotContain("notified", resume.ReadToEnd());
        }

        // The owed call now, once. It works for 5 s, more than a capture
        // waits for a thread: a failure during it must stop its thread as
        // well, and the resume owes the handler its next call.
        using (var again = Zhuque("resume", image))
        {
            Assert.Equal("notified 1", again.ReadLine());
            var crash = Cli("crash", image);
            Assert.True(crash.ExitCode == 0, crash.ToString());
            Assert.Equal(158, again.WaitForExit());
        }
        using var last = Zhuque("resume", image);
        Assert.Equal("notified 2", last.ReadLine());
        Assert.True(Cli("crash", image).ExitCode == 0);
        Assert.Equal(158, last.WaitForExit());
    }


    /// <summary>
    /// The shim zhuque started (under the guard and its init),
    /// once it sleeps in nanosleep (35): the only sleep of a resume is the
    /// bind retried while the port is taken.
    /// </summary>
    static int WaitForChildSleeping(int launcher)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            // The guard, the init of the program's pid namespace, the shim.
            var program = ProgramKiller.Grandchild(launcher);
            foreach (var child in program > 0 ? [program.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>())
            {
                try
                {
                    if (File.ReadAllText($"/proc/{child}/syscall").StartsWith("35 ", StringComparison.Ordinal))
                        return int.Parse(child, CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                }
            }
            Thread.Sleep(2);
        }
        throw new TimeoutException($"no child of pid {launcher} slept in its bind");
    }

    static IEnumerable<string> Children(int pid)
    {
        var all = new List<string>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
                all.AddRange(File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return all;
    }

    public void Dispose()
    {
        _dir.Dispose();
        _state.Dispose();
    }
}
