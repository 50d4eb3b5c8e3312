using System.Globalization;
using Zhuque.Interpose.Core;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Core;

/// <summary>
/// `zhuque core IMAGE [-o FILE]`: an ELF core file of a saved image (or of a
/// faulted one whose threads the guard recorded) that gdb opens with the
/// program as it opens a kernel core. The image's lock is held while it is
/// read, so no resume changes it meanwhile; the image is never written.
/// </summary>
public sealed class CoreCommand(CoreRequest request, TextWriter output, TextWriter progress)
{
    public int Execute()
    {
        using var log = LogFactory.Console(request.Verbose);
        try
        {
            if (request.Output is "")
                throw new ZhuqueException(ReturnCode.UsageOrInternal, "-o needs a file name");
            using var dir = ImageDirectory.OpenExisting(ImageRoot.Locate(request.Image));
            using var imageLock = ImageLock.Acquire(dir);
            var context = ContextFile.Read(dir)
                ?? throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} holds no context (the program never started): no core to write");
            CheckState(dir, context);
            var manifest = ManifestStore.Read(dir)
                ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} has no manifest.json: which program it holds is unknown");
            var path = Path.GetFullPath(request.Output ?? $"core.{context.Header.Pid.ToString(CultureInfo.InvariantCulture)}");
            using var memory = new ImageMemory(context.Regions, file => Open(dir, file));
            var threads = Threads(context, memory);
            if (threads.Count == 0)
                throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: no thread's frame can be read (zhuque inspect says why)");
            var notes = CoreNotes.Build(Process(context, manifest), threads);
            var name = context.Header.InterpBase != 0 && context.MappedFiles.Count > 0
                ? InterpreterName.For(context.MappedFiles[0].Path, context.Header.InterpBase, CoreLayout.FreeAddress(context.Regions), memory)
                : null;
            var layout = CoreLayout.Plan(context.Regions, notes, name is { } n ? [n.Addition] : []);
            var bytes = new CoreFileWriter(path, layout, name is { } p ? [p.Patch] : [], file => Open(dir, file), progress).Write();
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {path}: {threads.Count} threads, {layout.Segments.Count} regions, {bytes / 1048576.0:0.0} MiB of memory; open it with: gdb {manifest.Program} {path}"));
            return (int)ReturnCode.Success;
        }
        catch (Exception e)
        {
            return (int)Failures.Report(log, e);
        }
    }

    static void CheckState(ImageDirectory dir, Context context)
    {
        if (context.State == ZqState.Saved)
        {
            if (!context.ChecksumMatches)
                throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: its context fails its checksum");
            return;
        }
        if (context is { State: ZqState.Faulted, Header.ThreadCount: > 0 })
            return;
        var holds = context.State switch
        {
            ZqState.Faulted => "a faulted run whose threads were not recorded (no guard)",
            ZqState.Running => "a running program, or one that died without a save",
            var s => $"state {ContextFile.StateName(s)}",
        };
        throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} holds {holds}: a core needs a saved or faulted run");
    }

    /// <summary>Each thread whose frame reads, the one the signal was for (not the runtime's stop) first: gdb shows it as current.</summary>
    static List<CoreThread> Threads(Context context, ImageMemory memory) =>
        [.. ThreadFrameReader.Read(context, memory)
            .Select(t => CoreThread.From(t, memory))
            .OfType<CoreThread>()
            .OrderBy(t => t.Signo == Layout.SigstopThread ? 1 : 0)];

    /// <summary>
    /// The auxiliary vector gdb needs to relocate a PIE program (AT_ENTRY,
    /// AT_PHDR) and find libc.so's link map (AT_BASE); the vDSO is not
    /// image memory and is left out. NT_FILE names the program file and the
    /// files the program mapped, with their file offsets.
    /// </summary>
    static CoreProcess Process(Context context, Manifest manifest)
    {
        var h = context.Header;
        List<(ulong, ulong)> auxv =
        [
            (3, h.Phdr), (4, 56), (5, h.Phnum), (6, CoreConstants.PageSize), (7, h.InterpBase), (9, h.Entry),
        ];
        var files = new List<CoreFileMapping>();
        foreach (var r in context.Regions)
        {
            var file = (ZqFile)r.File;
            var name = file == ZqFile.Program ? manifest.Program
                : BackingFiles.IsMapped(file) ? context.MappedFiles[(int)(r.File - (uint)ZqFile.Mapped)].Path
                : null;
            if (name is not null)
                files.Add(new CoreFileMapping(r.Start, r.End, r.Offset, name));
        }
        return new CoreProcess(h.Pid, manifest.Program, string.Join(' ', manifest.Argv), auxv, files, h.Xcr0);
    }

    static Microsoft.Win32.SafeHandles.SafeFileHandle? Open(ImageDirectory dir, ZqFile file) =>
        BackingFiles.RelativePath(file) is { } relative ? dir.OpenFile(relative, Libc.O_RDONLY) : null;
}
