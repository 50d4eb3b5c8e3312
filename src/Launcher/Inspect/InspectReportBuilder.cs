using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Inspect;

/// <summary>
/// Reads an image into an InspectReport. Everything that can make the image
/// unreadable (context, manifest) is read first, so a corrupt image is
/// refused before anything is printed.
/// </summary>
public static class InspectReportBuilder
{
    public static InspectReport Build(ImageDirectory dir)
    {
        var context = ContextFile.Read(dir);
        var manifest = ManifestStore.Read(dir);
        var inUse = ImageLock.IsHeld(dir);
        var program = manifest?.Program;
        var maps = context?.MappedFiles ?? [];
        var regions = context?.Regions.Select(r => Region(dir, r, program, maps)).ToArray() ?? [];
        var saved = context is not null && context.Header.Failures > 0;
        var holdsFailure = context?.State == ZqState.Saved;
        var handlers = holdsFailure ? SignalHandlerReports.Build(dir, context!, program) : null;
        return new InspectReport(
            dir.Path,
            program,
            manifest?.ProgramSha256,
            context is null ? "none" : ContextFile.StateName(context.State),
            context?.State == ZqState.Saved ? (context.ChecksumMatches ? "ok" : "MISMATCH") : null,
            context?.State == ZqState.Lost ? LostCapture.Reason(context.Header) : null,
            context is null ? null : (context.Header.Flags & Layout.FlagLazySpace) != 0 ? "lazy" : "reserved",
            inUse,
            inUse && context is not null && context.Header.Pid > 0 ? context.Header.Pid : null,
            inUse && context is not null && context.Header.Pid > 0 ? LockHolder.Program(dir, context.Header.Pid) : null,
            context?.Started?.UtcDateTime,
            context?.State == ZqState.Exited ? context.Header.ExitStatus : null,
            context?.Header.Failures,
            context?.Header.Resumes,
            context?.Header.SectionsCaught,
            saved ? context!.LastSaved?.UtcDateTime : null,
            saved ? context!.Header.SaveNs : null,
            saved ? context!.Header.SyncNs : null,
            // A fault's threads are there when the guard recorded them (memory is kept).
            context?.State == ZqState.Saved || context is { State: ZqState.Faulted, Header.ThreadCount: > 0 }
                ? ThreadReports.Build(dir, context, program, manifest?.ProgramSha256) : null,
            holdsFailure ? DescriptorReports.Build(context!) : null,
            handlers?.Handlers,
            handlers?.Unknown,
            regions,
            [.. maps.Select(m => new MappedFileReport(m.Path, m.Shared, m.Dev, m.Ino, m.Size, m.Modified, m.Writable,
                m.Hash == 0 ? null : $"0x{m.Hash:x16}"))],
            manifest?.History ?? []);
    }

    static RegionReport Region(ImageDirectory dir, ZqRegion region, string? program, IReadOnlyList<MappedFile> maps)
    {
        var file = (ZqFile)region.File;
        var relative = BackingFiles.RelativePath(file);
        var size = region.End - region.Start;
        var mapped = BackingFiles.IsMapped(file) && region.File - (uint)ZqFile.Mapped < maps.Count
            ? maps[(int)(region.File - (uint)ZqFile.Mapped)] : null;
        return new RegionReport(
            $"0x{region.Start:x16}",
            $"0x{region.End:x16}",
            Protection(region.Prot, mapped?.Shared ?? BackingFiles.IsShared(file)),
            relative ?? mapped?.Path ?? program ?? "(program)",
            size,
            relative is null ? 0 : BytesOnDisk(dir, relative, region.Offset, size));
    }

    /// <summary>rwx from PROT_READ/WRITE/EXEC, then s (MAP_SHARED) or p (private: the program, or a file it mapped so).</summary>
    public static string Protection(uint prot, bool shared) => string.Concat(
        (prot & 1) != 0 ? "r" : "-",
        (prot & 2) != 0 ? "w" : "-",
        (prot & 4) != 0 ? "x" : "-",
        shared ? "s" : "p");

    static long BytesOnDisk(ImageDirectory dir, string relative, ulong offset, ulong size)
    {
        using var handle = dir.OpenFile(relative, Libc.O_RDONLY);
        if (handle is null || offset > long.MaxValue || size > long.MaxValue)
            return 0; // released after exit, or not created yet
        return DiskUsage.DataBytes(handle, (long)offset, (long)Math.Min(size, (ulong)(long.MaxValue - (long)offset)));
    }
}
