using System.Globalization;
using System.Text.Json;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Issue 7's acceptance: after a power failure, inspect tells for each
/// thread where it was: the source line, a backtrace through the program's
/// functions and musl's, and the code around rip. The lines expected are
/// found by the markers in tests/c/inspect_target.c.
/// </summary>
public sealed class InspectLocationTests(DebugPrograms programs) : IClassFixture<DebugPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    string Image => _tmp["img"];

    JsonElement SaveAndInspect(string program)
    {
        _ = Repo.Shim;
        CrashWhenReady.Run(_tmp["state"], Image, program, "spinning");
        var r = ZhuqueCli.Run(_tmp["state"], "inspect", "--json", Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    static IReadOnlyList<JsonElement> Threads(JsonElement report) => [.. report.GetProperty("threads").EnumerateArray()];

    static JsonElement ThreadIn(JsonElement report, string function) =>
        Threads(report).Single(t => t.TryGetProperty("function", out var f) && f.GetString()!.StartsWith(function + "+0x", StringComparison.Ordinal));

    static string? Name(JsonElement frame) =>
        frame.TryGetProperty("function", out var f) ? f.GetString()![..f.GetString()!.IndexOf("+0x", StringComparison.Ordinal)] : null;

    static (string File, int Line)? Source(JsonElement e) =>
        e.TryGetProperty("source", out var s) ? (s.GetProperty("file").GetString()!, s.GetProperty("line").GetInt32()) : null;

    static ulong Hex(JsonElement e) => ulong.Parse(e.GetString()![2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>The frames' function names, innermost first, must hold these consecutively starting at frame first.</summary>
    static void AssertCallChain(JsonElement thread, int first, params string[] names)
    {
        var frames = thread.GetProperty("backtrace").EnumerateArray().ToList();
        var got = frames.Select(Name).ToList();
        Assert.True(frames.Count >= first + names.Length, $"backtrace {string.Join(", ", got)}");
        Assert.True(names.SequenceEqual(got.Skip(first).Take(names.Length)),
            $"expected {string.Join(" <- ", names)} from frame {first}, got {string.Join(" <- ", got)}");
        Assert.Equal(Enumerable.Range(0, frames.Count), frames.Select(f => f.GetProperty("index").GetInt32()));
    }

    /// <summary>Exactly one instruction marked at rip, at rip's address; some before it when the function is known.</summary>
    static void AssertDisassemblyAtRip(JsonElement thread, bool functionKnown)
    {
        var rip = Hex(thread.GetProperty("registers").GetProperty("rip"));
        var code = thread.GetProperty("disassembly").EnumerateArray().ToList();
        var atRip = code.Where(i => i.GetProperty("atRip").GetBoolean()).ToList();
        Assert.Single(atRip);
        Assert.Equal(rip, Hex(atRip[0].GetProperty("address")));
        Assert.Matches("^[0-9a-f]+$", atRip[0].GetProperty("bytes").GetString());
        var index = code.IndexOf(atRip[0]);
        Assert.True(functionKnown ? index > 0 : index == 0, $"rip is instruction {index} of {code.Count}");
        Assert.Equal(4, code.Count - index - 1);
        // Consecutive: each instruction starts where the one before ends.
        for (var i = 1; i < code.Count; i++)
            Assert.Equal(Hex(code[i - 1].GetProperty("address")) + (ulong)code[i - 1].GetProperty("bytes").GetString()!.Length / 2,
                Hex(code[i].GetProperty("address")));
    }

    [Theory]
    [InlineData("g-O0")]
    [InlineData("g-O2")]
    [InlineData("gdwarf4-O2")]
    [InlineData("nocfi-O0")]
    [InlineData("nocfi-O2")]
    public void InspectTellsWhereEachThreadWas(string variant)
    {
        var program = programs.Build(variant);
        var report = SaveAndInspect(program);
        Assert.Equal("saved", report.GetProperty("state").GetString());
        Assert.Equal(4, Threads(report).Count);

        var spinner = ThreadIn(report, "spin_here");
        var (file, line) = Source(spinner) ?? throw new Xunit.Sdk.XunitException($"no source on {spinner}");
        Assert.EndsWith("/tests/c/inspect_target.c", file);
        // -O0 keeps the increment on its line; -O2 may put the loop's jump on the for line.
        var marked = DebugPrograms.LineOf("INSPECT_SPIN_LINE");
        if (variant.EndsWith("O0", StringComparison.Ordinal))
            Assert.Equal(marked, line);
        else
            Assert.InRange(line, DebugPrograms.LineOf("INSPECT_SPIN_LOOP"), marked);
        AssertCallChain(spinner, 0, "spin_here", "middle", "main");
        var frames = spinner.GetProperty("backtrace").EnumerateArray().ToList();
        Assert.Equal(Source(spinner), Source(frames[0]));
        Assert.Equal(Hex(spinner.GetProperty("registers").GetProperty("rip")), Hex(frames[0].GetProperty("pc")));
        Assert.Equal(DebugPrograms.LineOf("INSPECT_MIDDLE_CALL"), Source(frames[1])?.Line);
        Assert.Equal(DebugPrograms.LineOf("INSPECT_MAIN_CALL"), Source(frames[2])?.Line);
        Assert.Equal("_start", Name(frames[^1])); // the walk ends where the program began
        AssertDisassemblyAtRip(spinner, functionKnown: true);

        // The sleeper is in musl, which has no CFI: the walk finds its way back to the program.
        var others = Threads(report).Where(t => t.GetProperty("tid").GetInt32() != spinner.GetProperty("tid").GetInt32()).ToList();
        var sleeper = AssertBlockedIn(others, "sleeper", "INSPECT_SLEEP_CALL", "nanosleep", "sleep");
        AssertCallChain(sleeper, 0, "__syscall_cp_c"); // musl's, without lines
        // pthread_cond_wait jumps to pthread_cond_timedwait: the frame names the latter, the call the former.
        AssertBlockedIn(others, "waiter", "INSPECT_WAIT_CALL", "pthread_cond_timedwait");
        AssertInHandler(others.Single(t => Name(t.GetProperty("backtrace")[0]) == "spin_in_handler"), optimized: !variant.EndsWith("O0", StringComparison.Ordinal));

        var text = ZhuqueCli.Run(_tmp["state"], "inspect", Image).Stdout;
        Assert.Matches($@"\n    in spin_here\+0x[0-9a-f]+ at /\S+/tests/c/inspect_target\.c:{line}\n", text);
        Assert.Matches(@"\n    backtrace:\n      #0  [0-9a-f]{16} spin_here\+0x[0-9a-f]+ at \S+inspect_target\.c:\d+\n      #1  [0-9a-f]{16} middle\+", text);
        Assert.Matches(@"\n    code \(AT&T syntax\):\n", text);
        Assert.Equal(4, text.Split('\n').Count(l => l.StartsWith("    => ", StringComparison.Ordinal)));
    }

    /// <summary>
    /// The thread whose backtrace holds function: called at the marked line,
    /// after the given musl functions and before its thread's start routine,
    /// musl's start and __clone; rip's own line unknown (musl has no lines).
    /// </summary>
    static JsonElement AssertBlockedIn(IEnumerable<JsonElement> threads, string function, string marker, params string[] musl)
    {
        var thread = threads.Single(t => t.GetProperty("backtrace").EnumerateArray().Any(f => Name(f) == function));
        var frames = thread.GetProperty("backtrace").EnumerateArray().ToList();
        var at = frames.FindIndex(f => Name(f) == function);
        AssertCallChain(thread, at - musl.Length, [.. musl, function, function + "_thread", "start", "__clone"]);
        Assert.Equal(at + 4, frames.Count); // __clone is the last: nothing called it
        Assert.Equal(DebugPrograms.LineOf(marker), Source(frames[at])?.Line);
        Assert.False(thread.TryGetProperty("source", out _));
        AssertDisassemblyAtRip(thread, functionKnown: true);
        return thread;
    }

    /// <summary>
    /// A thread spinning in a signal handler that interrupted pthread_kill:
    /// the backtrace goes out of the handler through musl's trampoline and
    /// the ucontext above it, on into the code the signal interrupted. gcc
    /// -O2 makes on_usr1 and raiser jumps (tail calls): their frames are gone.
    /// </summary>
    static void AssertInHandler(JsonElement thread, bool optimized)
    {
        var frames = thread.GetProperty("backtrace").EnumerateArray().ToList();
        var names = frames.Select(Name).ToList();
        var trampoline = names.IndexOf("__restore_rt");
        Assert.True(trampoline > 0, $"no __restore_rt in {string.Join(" <- ", names)}");
        Assert.Equal(optimized ? ["spin_in_handler"] : ["spin_in_handler", "on_usr1"], names.Take(trampoline));
        if (!optimized)
            Assert.Equal(DebugPrograms.LineOf("INSPECT_HANDLER_CALL"), Source(frames[1])?.Line);
        // The trampoline's pc is where the kernel made the handler return to, exactly.
        Assert.EndsWith("+0x0", frames[trampoline].GetProperty("function").GetString());
        var kill = names.IndexOf("pthread_kill");
        Assert.True(kill > trampoline, $"no pthread_kill after the trampoline in {string.Join(" <- ", names)}");
        Assert.Equal(optimized ? ["raiser_thread", "start", "__clone"] : ["raiser", "raiser_thread", "start", "__clone"], names.Skip(kill + 1));
        if (!optimized)
            Assert.Equal(DebugPrograms.LineOf("INSPECT_RAISE_CALL"), Source(frames[kill + 1])?.Line);
    }

    /// <summary>Without -g: no source lines, but the backtrace by symbols and the code are all there.</summary>
    [Fact]
    public void WithoutDebugInfoTheBacktraceIsBySymbols()
    {
        var report = SaveAndInspect(programs.Build("nodebug-O2"));
        var spinner = ThreadIn(report, "spin_here");
        Assert.False(spinner.TryGetProperty("source", out _));
        AssertCallChain(spinner, 0, "spin_here", "middle", "main");
        Assert.All(spinner.GetProperty("backtrace").EnumerateArray(), f => Assert.False(f.TryGetProperty("source", out _)));
        AssertDisassemblyAtRip(spinner, functionKnown: true);
        var text = ZhuqueCli.Run(_tmp["state"], "inspect", Image).Stdout;
        Assert.Matches(@"\n    in spin_here\+0x[0-9a-f]+\n", text);
    }

    /// <summary>Stripped after the save (the image keeps its SHA-256 check): the program changed, so nothing of it is trusted.</summary>
    [Fact]
    public void AProgramChangedSinceTheSaveIsNotUsed()
    {
        var program = _tmp["copy"];
        File.Copy(programs.Build("g-O2"), program);
        SaveAndInspect(program);
        Proc.Check("strip", program);
        AssertNothingFromTheProgram();
    }

    [Fact]
    public void AProgramGoneLeavesTheRestOfTheReport()
    {
        var program = _tmp["copy"];
        File.Copy(programs.Build("g-O2"), program);
        SaveAndInspect(program);
        File.Delete(program);
        AssertNothingFromTheProgram();
    }

    void AssertNothingFromTheProgram()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "inspect", "--json", Image);
        Assert.True(r.ExitCode == 0, r.ToString());
        var report = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.Equal(4, Threads(report).Count);
        foreach (var t in Threads(report))
        {
            Assert.True(t.TryGetProperty("registers", out _));
            foreach (var field in new[] { "function", "source", "backtrace", "disassembly" })
                Assert.False(t.TryGetProperty(field, out _), $"{field} in {t}");
        }
        var text = ZhuqueCli.Run(_tmp["state"], "inspect", Image);
        Assert.True(text.ExitCode == 0, text.ToString());
        Assert.Contains("threads:   4", text.Stdout);
        Assert.DoesNotContain("backtrace:", text.Stdout);
    }

    /// <summary>Stripped before the run: no symbols and no lines, yet .eh_frame still unwinds and the code shows from rip.</summary>
    [Fact]
    public void AStrippedProgramStillUnwindsByCfi()
    {
        var program = _tmp["stripped"];
        File.Copy(programs.Build("g-O2"), program);
        Proc.Check("strip", program);
        var report = SaveAndInspect(program);
        foreach (var t in Threads(report))
        {
            Assert.False(t.TryGetProperty("function", out _));
            Assert.False(t.TryGetProperty("source", out _));
            AssertDisassemblyAtRip(t, functionKnown: false);
            Assert.All(t.GetProperty("backtrace").EnumerateArray(), f => Assert.Null(Name(f)));
        }
        // The spinner (rip in a function with CFI) unwinds through spin_here, middle, main at least.
        Assert.Contains(Threads(report), t => t.GetProperty("backtrace").GetArrayLength() >= 3);
    }

    public void Dispose()
    {
        if (File.Exists(Path.Combine(Image, "lock")))
            ZhuqueCli.Run(_tmp["state"], "crash", "--timeout", "5", Image);
        _tmp.Dispose();
    }
}
