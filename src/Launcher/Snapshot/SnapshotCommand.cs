using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Crash;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;
using Zhuque.Launcher.Native;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Snapshot;

/// <summary>
/// `zhuque snapshot IMAGE --to DIR`: a resumable image of a running
/// program at one instant, while it goes on. SIGPWR queued with
/// ZQ_SNAPSHOT makes the runtime capture every thread exactly as for a
/// power failure (frames on their stacks, descriptors, state saved with its
/// checksum) and hold them until ZQ_SNAPSHOT_DONE; the program's own SIGPWR
/// handler never runs. During that first hold the runtime offers a write
/// tracker (WriteTracker): with it, the threads go on at once, the region
/// files are copied while the program runs, again and again for the pages
/// it wrote meanwhile, and a second capture is the snapshot's instant: its
/// pause copies the context and only the pages written since their last
/// copy. Without one the first hold is the snapshot and its pause the
/// whole copy.
/// </summary>
public sealed class SnapshotCommand(SnapshotRequest request, TextWriter output)
{
    const int Snapshot = 0x5a51534e;     // ZQ_SNAPSHOT (native/runtime/zq.h)
    const int SnapshotDone = 0x5a515344; // ZQ_SNAPSHOT_DONE
    static readonly TimeSpan CaptureTimeout = TimeSpan.FromSeconds(30);

    /// <summary>ZHUQUE_SNAPSHOT_STOP_COPY=1: the whole copy in one hold, as before the tracker (scripts/bench-snapshot's "before").</summary>
    static bool StopAndCopy => Environment.GetEnvironmentVariable("ZHUQUE_SNAPSHOT_STOP_COPY") == "1";

    public int Execute()
    {
        using var log = LogFactory.Console(request.Verbose);
        try
        {
            if (request.To.Length == 0)
                throw new ZhuqueException(ReturnCode.UsageOrInternal, "--to needs a directory");
            using var dir = ImageDirectory.OpenExisting(ImageRoot.Locate(request.Image));
            var context = ContextFile.Read(dir);
            if (!ImageLock.IsHeld(dir) || context is not { State: ZqState.Running, Header.Pid: > 0 })
                throw new ZhuqueException(ReturnCode.ImageNeedsFresh,
                    $"image {dir.Path} is not running (state {(context is null ? "none" : ContextFile.StateName(context.State))}): a snapshot needs a running program");
            var manifest = ManifestStore.Read(dir)
                ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} has no manifest.json");
            using var to = ImageDirectory.OpenOrCreate(request.To);
            if (to.Path == dir.Path)
                throw new ZhuqueException(ReturnCode.UsageOrInternal, $"--to {to.Path} is the image itself");
            if (Directory.EnumerateFileSystemEntries(to.Through()).Any())
                throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"{to.Path} is not empty: a snapshot goes into a new directory");
            // The context names the program's pid inside its own pid
            // namespace; it is signalled by its pid here.
            var pid = LockHolder.Program(dir, context.Header.Pid)
                ?? throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} is not running (pid {context.Header.Pid} ended)");
            var clock = Stopwatch.StartNew();
            using var copy = new RegionCopy(dir, to);
            WriteTracker? tracker = null;
            ZqRegion[] armed = [];
            HoldTimes first = default, hold;
            long before = 0;
            ulong punches = 0;
            var passes = 0;
            PauseParts firstParts = new(), parts = new();
            try
            {
                // The first hold offers a tracker. Without one (an older
                // runtime, or no userfaultfd for this user) the copy is
                // made in this hold, and this hold is the snapshot.
                hold = Hold(dir, pid, firstParts, () =>
                {
                    tracker = StopAndCopy ? null : firstParts.Time("tracker", () => WriteTracker.Take(pid));
                    if (tracker is not null)
                    {
                        armed = firstParts.Time("regions", () => ContextFile.Read(dir)!.Regions.Where(Tracked).ToArray());
                        punches = PunchLog.Count(dir);
                        return;
                    }
                    firstParts.Time("context", () => CopyFile(dir, to, ImageFiles.Context, new byte[1 << 20]));
                    firstParts.Time("copy", copy.CopyAll);
                });
                log.Debug("first hold: {Parts}", firstParts);
                if (tracker is not null)
                {
                    first = hold;
                    WaitForRunning(dir, pid);
                    (passes, punches) = CopyWhileRunning(dir, tracker, armed, copy, punches);
                    before = copy.Bytes;
                    hold = Hold(dir, pid, parts, () =>
                    {
                        parts.Time("context", () => CopyFile(dir, to, ImageFiles.Context, new byte[1 << 20]));
                        CopyWritten(tracker, parts.Time("read", () => ContextFile.Read(dir)!), copy, parts);
                        MatchHoles(dir, punches, copy, parts);
                    });
                    log.Debug("pause: {Parts}", parts);
                }
            }
            finally
            {
                // Every range let go, a piece at a time, once the program runs again.
                tracker?.Dispose();
            }
            var during = copy.Bytes - before;
            var detail = string.Create(CultureInfo.InvariantCulture,
                $"of {dir.Path}: paused {hold.Pause.TotalMilliseconds:0.0} ms (capture {hold.Capture.TotalMilliseconds:0.0} ms; {hold.Request.TotalMilliseconds:0.0} ms from the request), {during / 1048576.0:0.0} MiB copied in the pause");
            detail += tracker is null
                ? " (no write tracking: the whole copy is the pause)"
                : string.Create(CultureInfo.InvariantCulture,
                    $", {before / 1048576.0:0.0} MiB in {passes} passes while it ran (tracking armed in a pause of {first.Pause.TotalMilliseconds:0.0} ms, {clock.Elapsed.TotalMilliseconds:0} ms in all)");
            ManifestStore.Write(to, manifest with
            {
                SnapshotOf = dir.Path,
                History = [.. manifest.History, new HistoryEntry(DateTime.UtcNow, HistoryEvents.Snapshot, pid, null, detail)],
            });
            SnapshotContext.Retarget(dir, to);
            CheckCopy(to);
            output.WriteLine($"snapshot {to.Path} {detail}; resume with: zhuque resume {to.Path}");
            return (int)ReturnCode.Success;
        }
        catch (Exception e)
        {
            return (int)Failures.Report(log, e);
        }
    }

    /// <summary>The state the capture ends in: saved, or lost (a thread that would not stop, a full table).</summary>
    static ZqState WaitForCapture(ImageDirectory dir, int pid)
    {
        using var handle = ContextFile.Open(dir, Libc.O_RDONLY)
            ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} lost its context");
        var length = RandomAccess.GetLength(handle);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var state = (ZqState)ContextReader.ReadHeader(handle, length).State;
            if (state is ZqState.Lost)
                return state;
            // The runtime stores the checksum just after the state (the
            // checksum covers it): a copy taken in between read as corrupt.
            if (state is ZqState.Saved && ContextFile.Read(dir) is { ChecksumMatches: true })
                return state;
            if (state is not (ZqState.Running or ZqState.Saved) || clock.Elapsed > CaptureTimeout)
                throw new ZhuqueException(ReturnCode.UsageOrInternal,
                    $"the snapshot of {dir.Path} was not captured (state {ContextFile.StateName(state)} after {clock.Elapsed.TotalSeconds:0.0} s; pid {pid})");
            // A launcher spinning on a core the program's threads need
            // delays the capture it waits for (2 cores under load: 40-120 ms).
            Libc.USleep(20);
        }
    }

    /// <summary>Lets the program go on; a program that ended meanwhile (a power failure during the snapshot) needs no release.</summary>
    static void Release(ImageDirectory dir, int pid)
    {
        try
        {
            ImageOwner.SendPower(dir, pid, SnapshotDone);
        }
        catch (ZhuqueException e) when (e.Code == ReturnCode.ImageNeedsFresh)
        {
            // ended: nothing to release
        }
    }

    const int MaxPasses = 8;
    const long SettledBytes = 4L << 20;

    /// <summary>
    /// A hold's times. Pause: as the program sees it, from the runtime's
    /// first instruction of the capture (its saved_ns less its save_ns,
    /// CLOCK_REALTIME) to the release; the time the request takes to reach
    /// a thread of the program it spends running, or waiting for a CPU.
    /// Capture: the runtime's part of it (save_ns). Request: from the
    /// request to the release, as the launcher sees it.
    /// </summary>
    readonly record struct HoldTimes(TimeSpan Pause, TimeSpan Capture, TimeSpan Request);

    /// <summary>
    /// One capture and hold: every thread stopped at one instant and the
    /// state saved; work runs while they are held, then they go on.
    /// </summary>
    static HoldTimes Hold(ImageDirectory dir, int pid, PauseParts parts, Action work)
    {
        var clock = Stopwatch.StartNew();
        parts.Time("signal", () => ImageOwner.SendPower(dir, pid, Snapshot));
        ZqHeader header;
        try
        {
            var state = parts.Time("capture", () => WaitForCapture(dir, pid));
            header = ContextFile.Read(dir)!.Header;
            if (state != ZqState.Saved)
                throw new ZhuqueException(ReturnCode.PowerFailureNotSaved,
                    $"the snapshot of {dir.Path} could not be taken: {LostCapture.Reason(header)}; the program goes on");
            work();
        }
        finally
        {
            parts.Time("release", () => Release(dir, pid));
        }
        var request = clock.Elapsed;
        var released = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
        var pause = TimeSpan.FromTicks(Math.Clamp((released - (long)(header.SavedNs - header.SaveNs)) / 100, 0, request.Ticks));
        return new HoldTimes(pause, TimeSpan.FromTicks((long)header.SaveNs / 100), request);
    }

    static bool Tracked(ZqRegion r) => BackingFiles.IsShared((ZqFile)r.File) && r.End > r.Start;

    /// <summary>
    /// Protects every armed region, copies every region file, then copies
    /// again the pages written meanwhile (protecting them again as they are
    /// found) until a pass finds little, or no less than the one before:
    /// what is left for the pause is what the program writes during one
    /// pass. Each pass also matches again the ranges punched since the one
    /// before, so that the pause has only a pass's worth of them, which the
    /// runtime's log holds. Returns the passes made, and the punches logged
    /// when the last was matched.
    /// </summary>
    static (int Passes, ulong Punches) CopyWhileRunning(ImageDirectory dir, WriteTracker tracker, ZqRegion[] armed, RegionCopy copy, ulong punches)
    {
        foreach (var r in armed)
            tracker.Protect(r.Start, r.End);
        copy.CopyAll();
        var written = new List<(ulong Start, ulong End)>();
        var passes = 1;
        for (long last = long.MaxValue; passes < MaxPasses; passes++)
        {
            var before = copy.Bytes;
            foreach (var r in armed)
            {
                written.Clear();
                if (!tracker.Written(r.Start, r.End, again: true, written))
                    continue; // the scan failed: the pause copies it whole
                foreach (var (start, end) in written)
                    copy.CopyRange(r, start, end);
            }
            punches = MatchHoles(dir, punches, copy, new PauseParts());
            // Settled, or not shrinking: the program writes faster than this copies.
            var bytes = copy.Bytes - before;
            if (bytes < SettledBytes || bytes > last / 4 * 3)
                break;
            last = bytes;
        }
        return (passes, punches);
    }

    /// <summary>
    /// In the pause: the pages written since their last copy, in the
    /// regions of the table and in the arena's addresses it does not have;
    /// what the tracker does not follow (mapped since the arm) whole; and
    /// files that appeared.
    /// </summary>
    static void CopyWritten(WriteTracker tracker, Context context, RegionCopy copy, PauseParts parts)
    {
        var now = context.Regions.OrderBy(r => r.Start).ToArray();
        var ranges = now.Where(Tracked).Select(r => (r, r.Start, r.End)).Concat(ArenaGaps(now, copy.Length(ZqFile.Arena)));
        var written = new List<(ulong Start, ulong End)>();
        foreach (var (r, start, end) in ranges)
        {
            written.Clear();
            if (!parts.Time("scan", () => tracker.Written(start, end, again: false, written)))
            {
                parts.Time("untracked", () => copy.CopyRange(r, start, end));
                continue;
            }
            parts.Time("written", () =>
            {
                foreach (var (from, to) in written)
                    copy.CopyRange(r, Math.Max(from, start), Math.Min(to, end));
            });
        }
        parts.Time("new files", copy.CopyNew);
    }

    /// <summary>
    /// The arena's addresses in no region of the table (now, sorted), as
    /// one region of their own (offset = address - base), up to the
    /// arena file's length. The runtime unmaps arena memory by zeroing what
    /// was stored to it and keeping its space for the next mmap (hold.c):
    /// such a range is in no region, and a capture may come after its
    /// stores. Where it was armed the tracker still follows it; where it
    /// was mapped since the arm the scan reports it whole, and the copy
    /// costs what it holds (free arena is holes, a held range at most
    /// HOLD_MAX).
    /// </summary>
    static IEnumerable<(ZqRegion R, ulong Start, ulong End)> ArenaGaps(ZqRegion[] now, long length)
    {
        var arena = new ZqRegion { Start = Layout.ArenaBase, End = Layout.ArenaBase + (ulong)length, File = (uint)ZqFile.Arena };
        var at = arena.Start;
        foreach (var r in now)
        {
            if (r.Start >= arena.End)
                break;
            if (r.End <= at)
                continue;
            if (r.Start > at)
                yield return (arena, at, r.Start);
            at = Math.Max(at, r.End);
        }
        if (at < arena.End)
            yield return (arena, at, arena.End);
    }

    /// <summary>
    /// The holes punched since the punches count was read (munmap,
    /// MADV_DONTNEED change the file, not through a write), by the
    /// runtime's log of them; every hole of every file when it punched
    /// more than the log holds (a walk of the page cache, ~26 ms per 2 GiB
    /// resident, at least twice). Returns the count to go on from.
    /// </summary>
    static ulong MatchHoles(ImageDirectory dir, ulong punches, RegionCopy copy, PauseParts parts)
    {
        var (punched, count) = parts.Time("punch log", () => PunchLog.Since(dir, punches));
        if (punched is null)
            parts.Time("all holes", copy.MatchHoles);
        else
            parts.Time("holes", () => copy.MatchPunched(punched));
        return count;
    }

    /// <summary>The arm's release done: a state still saved would pass for the next capture.</summary>
    static void WaitForRunning(ImageDirectory dir, int pid)
    {
        using var handle = ContextFile.Open(dir, Libc.O_RDONLY)
            ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} lost its context");
        var length = RandomAccess.GetLength(handle);
        var clock = Stopwatch.StartNew();
        var spin = new SpinWait();
        while ((ZqState)ContextReader.ReadHeader(handle, length).State == ZqState.Saved)
        {
            if (clock.Elapsed > CaptureTimeout)
                throw new ZhuqueException(ReturnCode.UsageOrInternal,
                    $"the program of {dir.Path} did not go on after the snapshot's first hold (pid {pid})");
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    static long CopyFile(ImageDirectory from, ImageDirectory to, string name, byte[] buffer)
    {
        using var source = from.OpenFile(name, Libc.O_RDONLY)
            ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {from.Path} has no {name}");
        using var target = to.OpenDescriptor(name, Libc.O_WRONLY | Libc.O_CREAT | Libc.O_EXCL, ImageFiles.FileMode)
            ?? throw new IOException($"cannot create {to.File(name)}");
        return SparseCopy.Copy(source, new SafeFileHandle(target.Number, ownsHandle: false), buffer);
    }

    /// <summary>The copy is what a resume will check: saved, its checksum whole, its files there.</summary>
    static void CheckCopy(ImageDirectory to)
    {
        var copy = ContextFile.Read(to);
        if (copy is not { State: ZqState.Saved, ChecksumMatches: true })
            throw new ZhuqueException(ReturnCode.ImageCorrupt, $"the snapshot {to.Path} does not read as a saved image");
        RegionFiles.Check(to, copy);
    }
}
