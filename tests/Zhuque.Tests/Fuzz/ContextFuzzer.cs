using System.Diagnostics;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Image;
using Zhuque.Interpose.Signals;
using Zhuque.Launcher;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Inspect;

namespace Zhuque.Tests.Fuzz;

/// <summary>A case that broke a rule: which, with what was done to the context and the context itself.</summary>
public sealed record FuzzFailure(int Index, int CaseSeed, string Mutations, string Problem, SparseContext Context);

/// <summary>
/// Runs the cases of a fuzz run, all in memory: each case clones the base
/// context (a quarter of them in another state than saved), damages it
/// (ContextMutator, one to three edits, then on half of
/// the cases a checksum recomputed so that the structural checks are what
/// must refuse it), reads it through ContextReader.Read(Stream), and
/// requires a ContextCorruptException with a one-line message or a Context
/// that ContextOracle accepts, in under a second. A context it reads is
/// also decoded as inspect would: its descriptors described, its threads'
/// frames and the signal statics read from the image's memory files; every
/// InspectEvery-th case is written as the image's context file and the whole
/// inspect report built from it, which must agree with the stream's verdict.
/// Progress is public for the watchdog that catches a hang.
/// </summary>
public sealed class ContextFuzzer(FuzzSettings settings, SparseContext baseContext, string image, ElfSymbolTable symbols)
{
    public const int InspectEvery = 200;

    long _caseStarted = Stopwatch.GetTimestamp();

    public FuzzTally Tally { get; } = new();

    /// <summary>The case being run, and since when: a hang shows as a case that never ends.</summary>
    public int Current { get; private set; } = -1;

    public TimeSpan CurrentFor => Stopwatch.GetElapsedTime(Interlocked.Read(ref _caseStarted));

    public FuzzFailure? Failure { get; private set; }

    public void Run()
    {
        var cases = settings.OnlyCase is { } only ? [only] : Enumerable.Range(0, settings.Cases);
        foreach (var i in cases)
        {
            Current = i;
            Interlocked.Exchange(ref _caseStarted, Stopwatch.GetTimestamp());
            try
            {
                Failure = Case(i);
            }
            catch (Exception e)
            {
                // The fuzzer's own fault (the reader's are caught in Case): reported, never a crashed test host.
                Failure = new FuzzFailure(i, settings.CaseSeed(i), "(not known: making the case failed)", $"the fuzzer threw {e}", baseContext);
            }
            if (Failure is not null)
                return;
        }
    }

    /// <summary>The same mutations a case makes, for a report or a replay.</summary>
    public (SparseContext Context, string Mutations) Mutate(int index)
    {
        var rng = new Random(settings.CaseSeed(index));
        var context = baseContext.Clone();
        var steps = rng.Next(10) switch { < 7 => 1, < 9 => 2, _ => 3 };
        var done = new List<string>();
        if (ContextMutator.Restate(context, rng) is { } state)
            done.Add(state);
        for (var s = 0; s < steps; s++)
            done.Add(ContextMutator.Mutate(context, rng));
        if (rng.Next(2) == 0 && RecomputeChecksum(context))
            done.Add("checksum recomputed");
        return (context, string.Join("; ", done));
    }

    FuzzFailure? Case(int index)
    {
        var (context, mutations) = Mutate(index);
        if (mutations.EndsWith("checksum recomputed", StringComparison.Ordinal))
            Tally.ChecksumRecomputed++;
        FuzzFailure Fail(string problem) => new(index, settings.CaseSeed(index), mutations, problem, context);

        // How long a read takes is recorded, not judged (no timed assertions):
        // the watchdog of ContextFuzzTests catches a read that never ends.
        var (read, error, took) = ReadTimed(context);
        if (error is ContextCorruptException refusal)
        {
            if (string.IsNullOrWhiteSpace(refusal.Message) || refusal.Message.Contains('\n'))
                return Fail($"a refusal that is not one line: \"{refusal.Message}\"");
            Tally.Refusal(refusal.Message, took, index, mutations);
        }
        else if (error is not null)
            return Fail($"{error.GetType().Name} instead of a refusal: {error}");
        else
        {
            if (ContextOracle.Check(context, read!) is { } broken)
                return Fail(broken);
            if (Decode(read!) is { } undecodable)
                return Fail(undecodable);
            Tally.Success(read!.ChecksumMatches, took, index, mutations);
        }
        return index % InspectEvery == 0 ? Inspect(context, refused: error is not null, Fail) : null;
    }

    static (Context? Read, Exception? Error, TimeSpan Took) ReadTimed(SparseContext context)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            using var stream = context.AsStream();
            return (ContextReader.Read(stream), null, clock.Elapsed);
        }
        catch (Exception e)
        {
            return (null, e, clock.Elapsed);
        }
    }

    /// <summary>zq_checksum written into the context, as a writer that knew the format would: false when its tables cannot be summed.</summary>
    static bool RecomputeChecksum(SparseContext context)
    {
        if (ChecksumModel.Compute(context) is not { } sum)
            return false;
        context.Write(ContextChecksum.ChecksumOffset, sum);
        return true;
    }

    /// <summary>What inspect decodes from a context it read: no exception may escape any of it.</summary>
    string? Decode(Context context)
    {
        try
        {
            _ = DescriptorReports.Build(context);
            if (context.State != ZqState.Saved)
                return null;
            using var memory = new ImageMemory(context.Regions, OpenRegionFile);
            _ = ThreadFrameReader.Read(context, memory);
            _ = SignalDispositionReader.Read(symbols, memory);
            return null;
        }
        catch (Exception e)
        {
            return $"decoding a context the reader accepted threw {e}";
        }
    }

    SafeFileHandle? OpenRegionFile(ZqFile file)
    {
        var path = BackingFiles.RelativePath(file) is { } relative ? Path.Combine(image, relative) : null;
        return path is not null && File.Exists(path) ? File.OpenHandle(path) : null;
    }

    /// <summary>The whole of `zhuque inspect` on the context as a file: the same verdict as from the stream, and a report that prints.</summary>
    FuzzFailure? Inspect(SparseContext context, bool refused, Func<string, FuzzFailure> fail)
    {
        context.WriteFile(Path.Combine(image, "context"));
        Tally.InspectReports++;
        try
        {
            using var dir = ImageDirectory.OpenExisting(image);
            var report = InspectReportBuilder.Build(dir);
            TextReportWriter.Write(report, new StringWriter());
            _ = JsonSerializer.Serialize(report, ZhuqueJsonContext.Default.InspectReport);
            return refused ? fail("inspect read from the file a context the stream refused") : null;
        }
        catch (ZhuqueException e) when (e.Code == ReturnCode.ImageCorrupt)
        {
            Tally.InspectRefused++;
            return refused ? null : fail($"inspect refused from the file a context the stream read: {e.Message}");
        }
        catch (Exception e)
        {
            return fail($"inspect threw {e}");
        }
    }
}
