using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// build/bin/zhuque with the real native shim (build/lib/zhuque/zhuque-shim)
/// on a static program. These fail until the native side is built.
/// </summary>
public sealed class RealRunTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    readonly TempDir _tmp = new();

    ProcResult Zhuque(params string[] args)
    {
        _ = Repo.Shim; // fail with a clear message when the native side is not built
        return ZhuqueCli.Run(_tmp["state"], args);
    }

    ZqState State()
    {
        using var h = File.OpenHandle(Path.Combine(_tmp["img"], "context"), FileMode.Open, FileAccess.Read);
        return (ZqState)ContextReader.Read(h).Header.State;
    }

    [Fact]
    public void AStaticProgramRunsAndItsStatusComesBack()
    {
        var r = Zhuque("run", "--image", _tmp["img"], "--", programs.Static, "exit", "42");
        Assert.True(r.ExitCode == 42, r.ToString());
        Assert.Equal(ZqState.Exited, State());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_tmp["img"], "regions")));
    }

    [Fact]
    public void ArgumentsReachTheProgramWithoutDashDash()
    {
        var argv = _tmp["argv.txt"];
        var r = Zhuque("run", "--image", _tmp["img"], programs.Static, "args", argv, "-x", "--image");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal([programs.Static, "args", argv, "-x", "--image"], File.ReadAllText(argv).Split('\n')[..^1]);
    }

    [Fact]
    public void ACrashLeavesAFaultedImage()
    {
        var r = Zhuque("run", "--image", _tmp["img"], "--", programs.Static, "segv");
        Assert.True(r.ExitCode == 139, r.ToString());
        Assert.Equal(ZqState.Faulted, State());
        Assert.Equal(123, Zhuque("run", "--image", _tmp["img"], "--", programs.Static).ExitCode);
        Assert.Equal(7, Zhuque("run", "--fresh", "--image", _tmp["img"], "--", programs.Static).ExitCode);
    }

    [Fact]
    public void ACrashKeepsEveryThreadsRegistersForInspect()
    {
        Assert.Equal(139, Zhuque("run", "--image", _tmp["img"], "--", programs.Static, "segv").ExitCode);
        var inspect = Zhuque("inspect", _tmp["img"]);
        Assert.Contains("state:     faulted", inspect.Stdout);
        Assert.Contains("threads:   1", inspect.Stdout);
        Assert.Matches(@"captured, stopped by SIGSEGV[^\n]*\n\s+in main\+", inspect.Stdout);
    }

    /// <summary>The guard saves a SIGKILL, even one the program sends itself; the resume goes on after it.</summary>
    [Fact]
    public void ASigkillIsSavedAndResumes()
    {
        var r = Zhuque("run", "--image", _tmp["img"], "--", programs.Static, "kill9", "5");
        Assert.True(r.ExitCode == 158, r.ToString());
        Assert.Equal(ZqState.Saved, State());
        Assert.Contains("then killed by SIGKILL", File.ReadAllText(Path.Combine(_tmp["img"], "manifest.json")));
        Assert.Equal(5, Zhuque("resume", _tmp["img"]).ExitCode);
    }

    /// <summary>
    /// SIGTERM sent to zhuque (a service manager's stop) reaches the program
    /// through the launcher and the guard; unhandled, it is saved like a
    /// SIGKILL, and the next run resumes. --end-on-signal makes it an end.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnUnhandledSigtermIsSavedUnlessEndOnSignal(bool end)
    {
        var env = new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] };
        string[] args = ["run", "--image", _tmp["img"], .. (end ? (string[])["--end-on-signal"] : []), "--", programs.Static, "pause", "3"];
        using var run = new LineProcess(Repo.Zhuque, args, env);
        Assert.Equal("ready", run.ReadLine());
        // "ready" comes just before pause(): a SIGTERM in between is saved
        // before the call, and the resume would then wait in pause() forever.
        InSyscall(ProgramKiller.Grandchild(run.Pid), 34);
        Proc.Check("kill", "-TERM", run.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(end ? 128 + 15 : 158, run.WaitForExit());
        Assert.Equal(end ? ZqState.Lost : ZqState.Saved, State());
        if (!end)
            Assert.Equal(3, Zhuque("run", "--image", _tmp["img"], "--", programs.Static, "pause", "3").ExitCode);
    }

    /// <summary>
    /// The guard killed: PTRACE_O_EXITKILL kills the program with it, never
    /// left running untraced, and the image reads lost, not saved.
    /// </summary>
    [Fact]
    public void AKilledGuardTakesTheProgramWithItAndTheImageIsLost()
    {
        var env = new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] };
        using var run = new LineProcess(Repo.Zhuque, ["run", "--image", _tmp["img"], "--", programs.Static, "pause"], env);
        Assert.Equal("ready", run.ReadLine());
        var children = Directory.GetDirectories($"/proc/{run.Pid}/task")
            .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.Single(children);
        var program = File.ReadAllText($"/proc/{children[0]}/task/{children[0]}/children").Trim();
        Proc.Check("kill", "-KILL", children[0]);
        Assert.Equal(128 + 9, run.WaitForExit());
        Assert.Equal(ZqState.Lost, State());
        Assert.False(Directory.Exists($"/proc/{program}") && File.ReadAllText($"/proc/{program}/status").Contains("\nState:\tS", StringComparison.Ordinal));
    }

    /// <summary>Waits until the program's thread is in system call nr (its /proc syscall file).</summary>
    static void InSyscall(int pid, int nr)
    {
        Assert.True(pid > 0, "the program did not start");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (File.ReadAllText($"/proc/{pid}/syscall").Split(' ')[0] != nr.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Assert.True(clock.ElapsedMilliseconds < 60_000, $"the program did not reach system call {nr}");
            Thread.Sleep(1);
        }
    }

    public void Dispose() => _tmp.Dispose();
}
