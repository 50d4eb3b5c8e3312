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
/// checksum) and hold them; this copies the context and the region files
/// into DIR by their data ranges, then queues ZQ_SNAPSHOT_DONE and the
/// runtime lets every thread return to where it was (state running again).
/// The program's own SIGPWR handler never runs. The pause is from the
/// request to the release; it grows with the memory copied.
/// </summary>
public sealed class SnapshotCommand(SnapshotRequest request, TextWriter output)
{
    const int Snapshot = 0x5a51534e;     // ZQ_SNAPSHOT (native/runtime/zq.h)
    const int SnapshotDone = 0x5a515344; // ZQ_SNAPSHOT_DONE
    static readonly TimeSpan CaptureTimeout = TimeSpan.FromSeconds(30);

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
            ImageOwner.SendPower(dir, pid, Snapshot);
            long bytes;
            TimeSpan captured, pause;
            try
            {
                var state = WaitForCapture(dir, pid);
                captured = clock.Elapsed;
                if (state != ZqState.Saved)
                    throw new ZhuqueException(ReturnCode.PowerFailureNotSaved,
                        $"the snapshot of {dir.Path} could not be taken: {LostCapture.Reason(ContextFile.Read(dir)!.Header)}; the program goes on");
                bytes = CopyImage(dir, to);
            }
            finally
            {
                Release(dir, pid);
                pause = clock.Elapsed;
            }
            var detail = string.Create(CultureInfo.InvariantCulture,
                $"of {dir.Path}: paused {pause.TotalMilliseconds:0.0} ms (capture {captured.TotalMilliseconds:0.0} ms), {bytes / 1048576.0:0.0} MiB copied");
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
        var spin = new SpinWait();
        while (true)
        {
            var state = (ZqState)ContextReader.ReadHeader(handle, length).State;
            if (state is ZqState.Saved or ZqState.Lost)
                return state;
            if (state != ZqState.Running || clock.Elapsed > CaptureTimeout)
                throw new ZhuqueException(ReturnCode.UsageOrInternal,
                    $"the snapshot of {dir.Path} was not captured (state {ContextFile.StateName(state)} after {clock.Elapsed.TotalSeconds:0.0} s; pid {pid})");
            spin.SpinOnce(sleep1Threshold: -1);
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

    /// <summary>The context, then every file under regions/, each by its data ranges.</summary>
    static long CopyImage(ImageDirectory from, ImageDirectory to)
    {
        var buffer = new byte[1 << 20];
        long bytes = CopyFile(from, to, ImageFiles.Context, buffer);
        if (Libc.MkDirAt(to.Fd, ImageFiles.Regions, ImageFiles.DirectoryMode) != 0 && Libc.LastError != Libc.EEXIST)
            throw new IOException($"cannot create {to.File(ImageFiles.Regions)}: {Libc.Message(Libc.LastError)}");
        foreach (var name in Directory.EnumerateFiles(from.Through(ImageFiles.Regions)).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            bytes += CopyFile(from, to, $"{ImageFiles.Regions}/{name}", buffer);
        return bytes;
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
