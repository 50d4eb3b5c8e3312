using System.Diagnostics;
using Xunit.Abstractions;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.Fuzz;

/// <summary>
/// Issue 7's acceptance: at least 100,000 mutated images, no crash, no
/// hang, every one refused or read correctly. The base is a real saved
/// context (tests/c/objects.c: three threads, a file, a pipe holding bytes,
/// a listening socket, an eventfd, an epoll set, a dup), held compactly in
/// memory; ContextFuzzer runs the cases. The seed is printed, recorded in
/// fuzz-context.log beside the test binaries, and named in any failure
/// with the way to replay it.
/// </summary>
public sealed class ContextFuzzTests(SavedObjectsImage saved, ITestOutputHelper output) : IClassFixture<SavedObjectsImage>
{
    static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(10);

    [Fact]
    public void MutatedContextsAreRefusedOrReadCorrectly()
    {
        var settings = FuzzSettings.FromEnvironment();
        var baseContext = SparseContext.Snapshot(settings.Base ?? saved.Context);
        CheckBase(baseContext);
        var fuzzer = new ContextFuzzer(settings, baseContext, saved.Image, ElfSymbolTable.Read(saved.Program));
        output.WriteLine($"fuzz seed {settings.Seed} ({settings.Cases} cases; replay with ZHUQUE_FUZZ_SEED={settings.Seed})");

        var clock = Stopwatch.StartNew();
        var worker = new Thread(fuzzer.Run) { IsBackground = true, Name = "context fuzzer" };
        worker.Start();
        while (!worker.Join(100))
        {
            // A case that never ends is a hang: report it (the background thread is left behind).
            if (fuzzer.CurrentFor > HangLimit)
                Assert.Fail(Replay(settings, fuzzer.Current, $"case {fuzzer.Current} has run for {fuzzer.CurrentFor.TotalSeconds:0} s: a hang",
                    fuzzer.Mutate(fuzzer.Current), baseContext));
        }

        var summary = fuzzer.Tally.Summary(settings.Seed, clock.Elapsed);
        output.WriteLine(summary);
        File.AppendAllText(Path.Combine(AppContext.BaseDirectory, "fuzz-context.log"), $"{DateTime.UtcNow:O} {summary}");
        if (fuzzer.Failure is { } f)
            Assert.Fail(Replay(settings, f.Index, f.Problem, (f.Context, f.Mutations), baseContext));
        if (settings.OnlyCase is null)
        {
            var tally = fuzzer.Tally;
            Assert.Equal(settings.Cases, tally.Cases);
            // Not a degenerate run: both outcomes are common, and the structure is reached past the checksum.
            Assert.True(tally.Refused > settings.Cases / 10 && tally.Read > settings.Cases / 10, summary);
            Assert.True(tally.ChecksumRecomputed > settings.Cases / 4, summary);
            Assert.True(tally.InspectReports >= settings.Cases / ContextFuzzer.InspectEvery, summary);
        }
    }

    /// <summary>The unmutated base is read whole, checksum and all, and holds what objects.c made.</summary>
    static void CheckBase(SparseContext baseContext)
    {
        using var stream = baseContext.AsStream();
        var c = ContextReader.Read(stream);
        Assert.Null(ContextOracle.Check(baseContext, c));
        Assert.True(c.ChecksumMatches);
        Assert.Equal(ZqState.Saved, c.State);
        Assert.Equal(3, c.Threads.Count);
        foreach (var kind in new[] { ZqFdKind.File, ZqFdKind.Pipe, ZqFdKind.Listen, ZqFdKind.EventFd, ZqFdKind.Epoll, ZqFdKind.Dup })
            Assert.Contains(c.Descriptors, d => d.Kind == kind);
        Assert.True(baseContext.Extents.Sum(e => e.Bytes.Length) < 64 << 10, "the snapshot is not compact");
    }

    /// <summary>The failure, with the base context and the damaged one kept on disk and the command that replays the case.</summary>
    static string Replay(FuzzSettings settings, int index, string problem, (SparseContext Context, string Mutations) damaged, SparseContext baseContext)
    {
        var keep = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"zhuque-fuzz-{settings.Seed}-{index}")).FullName;
        baseContext.WriteFile(Path.Combine(keep, "base-context"));
        damaged.Context.WriteFile(Path.Combine(keep, "context"));
        return $"seed {settings.Seed}, case {index} (case seed {settings.CaseSeed(index)}): {problem}\n" +
            $"  mutations: {damaged.Mutations}\n" +
            $"  contexts kept in {keep} (sparse files)\n" +
            $"  replay: ZHUQUE_FUZZ_SEED={settings.Seed} ZHUQUE_FUZZ_CASE={index} ZHUQUE_FUZZ_BASE={keep}/base-context " +
            "dotnet test tests/Zhuque.Tests --filter FullyQualifiedName~ContextFuzzTests";
    }
}
