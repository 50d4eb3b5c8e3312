using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Zhuque.Interpose.Elf;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// run --fail-after, inspect's threads, resume and crash with the real
/// native side, on a program that spins in a function of its own.
/// </summary>
public sealed class RealFailureTests(SpinHereProgram spin) : IClassFixture<SpinHereProgram>, IDisposable
{
    readonly SpinImage _image = new(spin);

    string Image => _image.Path;

    ProcResult Zhuque(params string[] args) => _image.Zhuque(args);

    JsonElement Inspect()
    {
        var r = Zhuque("inspect", "--json", Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    static ulong Hex(JsonElement e) => ulong.Parse(e.GetString()![2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>The thread that took the failure stopped in the program's text, on the main stack.</summary>
    static void AssertStoppedInTheProgram(JsonElement report, string program)
    {
        var elf = ElfReader.Read(program);
        var text = elf.ProgramHeaders.Where(p => p.Type == ElfConstants.PtLoad && (p.Flags & ElfConstants.PfX) != 0).ToList();
        Assert.NotEmpty(text);
        var textStart = text.Min(p => p.VAddr);
        var textEnd = text.Max(p => p.VAddr + p.MemSize);
        var stack = report.GetProperty("regions").EnumerateArray().Single(r => r.GetProperty("file").GetString() == "regions/stack");

        var threads = report.GetProperty("threads").EnumerateArray().ToList();
        Assert.NotEmpty(threads);
        var main = threads.Single(t => t.GetProperty("signal").GetString() == "SIGPWR");
        Assert.False(main.TryGetProperty("error", out _), main.ToString());
        var registers = main.GetProperty("registers");
        var rip = Hex(registers.GetProperty("rip"));
        var rsp = Hex(registers.GetProperty("rsp"));
        Assert.True(rip >= textStart && rip < textEnd, $"rip 0x{rip:x} is not in the program's text 0x{textStart:x}-0x{textEnd:x}");
        Assert.True(rsp >= Hex(stack.GetProperty("start")) && rsp < Hex(stack.GetProperty("end")), $"rsp 0x{rsp:x} is not in the stack region {stack}");
        foreach (var name in new[] { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r15", "eflags", "cs", "ss", "cr2", "fpstate" })
            Assert.True(registers.TryGetProperty(name, out _), $"no {name} in {registers}");
    }

    [Fact]
    public void FailAfterSavesInspectShowsWhereAndResumeCarriesOn()
    {
        var clock = Stopwatch.StartNew();
        var r = Zhuque("run", "--image", Image, "--fail-after", "0.3", "--", spin.Path);
        Assert.True(r.ExitCode == 158, r.ToString());
        Assert.InRange(clock.ElapsedMilliseconds, 250, 30_000);
        Assert.Equal("spinning\n", r.Stdout);
        Assert.Contains($"resume with: zhuque resume {Image}", r.Stderr);

        var report = Inspect();
        Assert.Equal("saved", report.GetProperty("state").GetString());
        Assert.Equal(1, report.GetProperty("failures").GetInt32());
        Assert.Equal(0, report.GetProperty("resumes").GetInt32());
        Assert.True(report.GetProperty("saveNs").GetInt64() > 0);
        AssertStoppedInTheProgram(report, spin.Path);
        var text = Zhuque("inspect", Image).Stdout;
        Assert.Contains("threads:   1", text);
        Assert.Contains("stopped by SIGPWR", text);
        Assert.Matches(@"\n    rip [0-9a-f]{16}  rsp [0-9a-f]{16}", text);

        // The resumed program spins on where it was: the same function, a later count.
        r = Zhuque("resume", "--fail-after", "0.3", Image);
        Assert.True(r.ExitCode == 158, r.ToString());
        Assert.Equal("", r.Stdout); // it does not start again
        report = Inspect();
        Assert.Equal(2, report.GetProperty("failures").GetInt32());
        Assert.Equal(1, report.GetProperty("resumes").GetInt32());
        AssertStoppedInTheProgram(report, spin.Path);
        var history = report.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal(["run", "failure", "resume", "failure"], history.Select(h => h.GetProperty("event").GetString()));
        Assert.Matches(@"^1 thread, saved in \d+\.\d\d ms \(msync \d+\.\d\d ms\)$", history[3].GetProperty("detail").GetString());
        Assert.NotEqual(history[0].GetProperty("pid").GetInt32(), history[2].GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task CrashSavesARunningImage()
    {
        var info = new ProcessStartInfo(Repo.Zhuque) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "run", "--image", Image, "--", spin.Path })
            info.ArgumentList.Add(a);
        info.Environment["XDG_STATE_HOME"] = _image.StateHome;
        using var run = Process.Start(info)!;
        var stderr = run.StandardError.ReadToEndAsync();
        try
        {
            // Wait until the program runs and holds its image.
            var clock = Stopwatch.StartNew();
            // The shim creates the context before it writes its header: until then inspect
            // reads a zero magic and refuses, which is right for a file that is not yet an image.
            while (!(Zhuque("inspect", "--json", Image) is { ExitCode: 0 } started
                && JsonDocument.Parse(started.Stdout).RootElement is var report
                && report.GetProperty("state").GetString() == "running" && report.GetProperty("inUse").GetBoolean()))
            {
                Assert.True(clock.ElapsedMilliseconds < 30_000, "the program did not start running");
                Thread.Sleep(20);
            }

            var r = Zhuque("crash", Image);
            Assert.True(r.ExitCode == 0, r.ToString());
            Assert.Matches($@"^saved {Image}: 1 thread in \d+\.\d ms\n$", r.Stdout);
            Assert.True(run.WaitForExit(30_000));
            Assert.Equal(158, run.ExitCode);
            Assert.Contains("power failure saved", await stderr);
            Assert.Equal("saved", Inspect().GetProperty("state").GetString());
            AssertStoppedInTheProgram(Inspect(), spin.Path);

            // Saved, no longer running: a second crash is refused.
            ZhuqueCli.AssertOneLineError(Zhuque("crash", Image), 123);
        }
        finally
        {
            if (!run.HasExited)
                run.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        // A resumed spinner that a failed test left behind holds the image; it would spin forever.
        if (File.Exists(Path.Combine(Image, "lock")))
            ZhuqueCli.Run(_image.StateHome, "crash", "--timeout", "5", Image);
        _image.Dispose();
    }
}
