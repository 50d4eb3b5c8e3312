using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// `zhuque core`: gdb opens the core of a saved image with the program as
/// it opens a kernel core. Every thread is there with the registers and the
/// frames `zhuque inspect` shows (gdb stops where it cannot unwind: musl's
/// code has no CFI, and inspect's heuristics go further), a variable the
/// program set reads back, and x/s reads a string on the heap.
/// </summary>
public sealed class CoreTests(DebugPrograms programs, MuslGccPrograms dynamicPrograms)
    : IClassFixture<DebugPrograms>, IClassFixture<MuslGccPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    string Image => _tmp["img"];

    string Core => _tmp["core"];

    JsonElement Inspect()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "inspect", "--json", Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    void WriteCore()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "core", Image, "-o", Core);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.StartsWith($"wrote {Core}: ", r.Stdout);
    }

    static string? Name(JsonElement frame) =>
        frame.TryGetProperty("function", out var f) ? f.GetString()!.Split("+0x")[0] : null;

    /// <summary>
    /// gdb shows the threads inspect shows, each stopped at the same rip, and
    /// names each frame as far as it unwinds (at least the innermost one) as
    /// inspect names the frame at that depth.
    /// </summary>
    static Dictionary<int, List<string>> AssertThreadsMatch(JsonElement report, string gdb)
    {
        var traces = Gdb.Backtraces(gdb);
        var threads = report.GetProperty("threads").EnumerateArray().ToList();
        Assert.Equal(threads.Select(t => t.GetProperty("tid").GetInt32()).Order(), traces.Keys.Order());
        foreach (var t in threads)
        {
            var tid = t.GetProperty("tid").GetInt32();
            var inspect = t.GetProperty("backtrace").EnumerateArray().Select(Name).ToList();
            var names = traces[tid];
            Assert.True(names.Count >= 1, $"gdb named no frame of thread {tid}:\n{gdb}");
            Assert.True(names.Count <= inspect.Count && names.SequenceEqual(inspect.Take(names.Count)),
                $"thread {tid}: gdb {string.Join(" <- ", names)}, inspect {string.Join(" <- ", inspect)}");
        }
        return traces;
    }

    [Theory]
    [InlineData("g-O0")]
    [InlineData("g-O2")]
    public void GdbShowsEveryThreadAsInspectDoesAndReadsVariablesAndTheHeap(string variant)
    {
        var program = programs.Build(variant);
        CrashWhenReady.Run(_tmp["state"], Image, program, "spinning");
        var report = Inspect();
        WriteCore();
        var gdb = Gdb.Batch(program, Core, "thread apply all bt", "print sleeper_tid", "x/s heap_note", "info registers rip rsp");

        Assert.Contains("Program terminated with signal SIGPWR", gdb);
        var traces = AssertThreadsMatch(report, gdb);
        var spinner = report.GetProperty("threads").EnumerateArray()
            .Single(t => Name(t.GetProperty("backtrace")[0]) == "spin_here");
        Assert.Equal(["spin_here", "middle", "main"], traces[spinner.GetProperty("tid").GetInt32()].Take(3));
        var sleeper = report.GetProperty("threads").EnumerateArray()
            .Single(t => t.GetProperty("backtrace").EnumerateArray().Any(f => Name(f) == "sleeper"));
        Assert.Matches($@"\n\$1 = {sleeper.GetProperty("tid").GetInt32()}\n", gdb);
        Assert.Matches(@"\n0x2[0-9a-f]{11}:\s+""a note on the heap""\n", gdb); // malloc'd in the arena
        // The current thread is the one SIGPWR stopped: its rip as inspect read it.
        var rip = ulong.Parse(spinner.GetProperty("registers").GetProperty("rip").GetString()![2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.Matches($@"\nrip\s+0x{rip:x}\s", gdb);
    }

    /// <summary>
    /// A plain musl-gcc program: gdb loads Zhuque's libc.so (the image's
    /// copy, the code that ran), not the system's musl that PT_INTERP names,
    /// and reads the program's .data from the core.
    /// </summary>
    [Fact]
    public void GdbFindsTheLibcThatRanForADynamicProgram()
    {
        var counter = dynamicPrograms.Get("counter");
        using (var run = Start(counter))
        {
            Thread.Sleep(300); // any moment will do: the program sleeps 2 ms per step for over a second
            var crash = ZhuqueCli.Run(_tmp["state"], "crash", Image);
            Assert.True(crash.ExitCode == 0, crash.ToString());
            run.WaitForExit();
            Assert.Equal(158, run.ExitCode);
        }
        var report = Inspect();
        WriteCore();
        var gdb = Gdb.Batch(counter, Core, "info sharedlibrary", "thread apply all bt", "print (long) total");
        Assert.Matches($@"\n0x[0-9a-f]+\s+0x[0-9a-f]+\s+Yes.*\s{Regex(Image)}/regions/libc\.so\n", gdb);
        Assert.DoesNotContain("ld-musl-x86_64.so.1", gdb);
        AssertThreadsMatch(report, gdb);
        Assert.Matches(@"\n\$1 = \d+\n", gdb);
    }

    static string Regex(string s) => System.Text.RegularExpressions.Regex.Escape(s);

    Process Start(string program, params string[] args)
    {
        var info = new ProcessStartInfo(Repo.Zhuque) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true };
        foreach (var a in new[] { "run", "--image", Image, "--", program }.Concat(args))
            info.ArgumentList.Add(a);
        info.Environment["XDG_STATE_HOME"] = _tmp["state"];
        var p = Process.Start(info)!;
        p.StandardInput.Close();
        _ = p.StandardOutput.ReadToEndAsync();
        return p;
    }

    /// <summary>memcached with a value stored over TCP: its threads, its settings, the value in its slabs.</summary>
    [Fact]
    public void GdbReadsMemcachedsThreadsSettingsAndStoredValue()
    {
        var memcached = Path.Combine(Repo.Root, "build", "memcached", "memcached");
        Assert.True(File.Exists(memcached), $"{memcached} is missing: run scripts/build-memcached (scripts/test does)");
        var port = Ports.Free();
        const string Value = "zhuque-core-value-0123456789";
        using (var run = Start(memcached, "-u", Environment.UserName, "-U", "0", "-l", "127.0.0.1", "-p", $"{port}", "-t", "4"))
        {
            try
            {
                Assert.Equal("STORED", Set(port, "corekey", Value));
                var crash = ZhuqueCli.Run(_tmp["state"], "crash", Image);
                Assert.True(crash.ExitCode == 0, crash.ToString());
                run.WaitForExit();
                Assert.Equal(158, run.ExitCode);
            }
            finally
            {
                if (!run.HasExited)
                    run.Kill(entireProcessTree: true);
            }
        }
        var report = Inspect();
        WriteCore();
        var finds = report.GetProperty("regions").EnumerateArray()
            .Where(r => r.GetProperty("protection").GetString() == "rw-s" && r.GetProperty("file").GetString() == "regions/arena")
            .Select(r => $"find /1 /b {r.GetProperty("start").GetString()}, {r.GetProperty("end").GetString()} - 1, {Bytes(Value)}");
        var gdb = Gdb.Batch(memcached, Core, ["thread apply all bt", "print settings.port", .. finds, "x/s $_"]);
        var traces = AssertThreadsMatch(report, gdb);
        Assert.True(traces.Count >= 6, $"memcached runs its 4 workers and more; gdb saw {traces.Count}");
        Assert.Matches($@"\n\$1 = {port}\n", gdb);
        Assert.Matches($@"\n0x2[0-9a-f]{{11}}:\s+""{Value}", gdb);
    }

    /// <summary>gdb's find takes a string literal with its NUL: the value, followed by \r\n in memcached, is searched as bytes.</summary>
    static string Bytes(string s) => string.Join(", ", s.Select(c => ((int)c).ToString(CultureInfo.InvariantCulture)));


    /// <summary>A memcached set, once the server listens (it is given until it does, a few seconds at most).</summary>
    static string Set(int port, string key, string value)
    {
        using var client = new TcpClient();
        for (var i = 0; ; i++)
        {
            try
            {
                client.Connect(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (i < 200)
            {
                Thread.Sleep(50);
            }
        }
        using var stream = client.GetStream();
        var request = Encoding.ASCII.GetBytes($"set {key} 0 0 {value.Length}\r\n{value}\r\n");
        stream.Write(request);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return reader.ReadLine() ?? "";
    }

    [Fact]
    public void BadInputIsOneLineWithItsOwnCode()
    {
        var notImage = Directory.CreateDirectory(_tmp["plain"]).FullName;
        File.WriteAllText(Path.Combine(notImage, "x"), "x");
        ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "core", notImage, "-o", Core), 119);

        var hello = Proc.Run(Repo.Zhuque, ["run", "--image", _tmp["exited"], "--", dynamicPrograms.Get("hello")],
            new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] });
        Assert.Equal(3, hello.ExitCode);
        var line = ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "core", _tmp["exited"], "-o", Core), 123);
        Assert.Contains("state exited", line);

        CrashWhenReady.Run(_tmp["state"], Image, programs.Build("g-O0"), "spinning");
        line = ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "core", Image, "-o", _tmp["missing/dir/core"]), 125);
        Assert.Contains("cannot write the core file", line);
        ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "core", Image, "-o", ""), 125);
        Assert.False(File.Exists(Core));
    }

    public void Dispose() => _tmp.Dispose();
}
