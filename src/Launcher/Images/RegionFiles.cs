using System.Globalization;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Before a saved image is resumed: every backing file its region table
/// names is a regular file under IMAGE/regions (regions/ itself a real
/// directory, each file opened with O_NOFOLLOW) and long enough for the
/// highest offset+length any region uses in it; regions/brk and
/// regions/arena, which the shim always opens, must be there too. A symbolic link is refused
/// as insecure (120), a missing or short file as corrupt (122); nothing is
/// mapped or changed.
/// </summary>
public static class RegionFiles
{
    public static void Check(ImageDirectory dir, Context context)
    {
        var needed = Needed(context.Regions);
        // The shim opens these whatever the regions use (it reserves their
        // windows), so they must be there like any other: one rule for all.
        foreach (var file in AlwaysOpened)
            needed.TryAdd(file, 0UL);
        var regionsFd = Posix.OpenAt(dir.Fd, BackingFiles.RegionsDirectory,
            Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (regionsFd < 0)
            throw DirectoryError(dir, -regionsFd);
        using var regions = new FileDescriptor(regionsFd);
        foreach (var (file, length) in needed)
            CheckFile(dir, regions.Number, file, length);
    }

    static readonly ZqFile[] AlwaysOpened = [ZqFile.Brk, ZqFile.Arena];

    /// <summary>For each backing file in the image, the length its regions reach (offset + size).</summary>
    public static SortedDictionary<ZqFile, ulong> Needed(IEnumerable<ZqRegion> regions)
    {
        var needed = new SortedDictionary<ZqFile, ulong>();
        foreach (var r in regions)
        {
            var file = (ZqFile)r.File;
            // A PROT_NONE page is never read: the arena's file ends where its accessible pages do.
            if (!BackingFiles.IsShared(file) || r.End <= r.Start || r.Prot == 0)
                continue;
            var end = r.Offset + (r.End - r.Start);
            if (end < r.Offset)
                end = ulong.MaxValue; // wraps: no file is that long
            needed[file] = Math.Max(needed.GetValueOrDefault(file), end);
        }
        return needed;
    }

    static void CheckFile(ImageDirectory dir, int regionsFd, ZqFile file, ulong length)
    {
        var relative = BackingFiles.RelativePath(file)!;
        var name = System.IO.Path.GetFileName(relative);
        var fd = Posix.OpenAt(regionsFd, name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        if (fd == -Libc.ELOOP)
            throw new ZhuqueException(ReturnCode.ImageInsecure, $"image {dir.Path}: {relative} is a symbolic link; refusing to use it");
        if (fd == -Libc.ENOENT)
            throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: {relative} is missing");
        if (fd < 0)
            throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: {relative} cannot be opened ({Libc.Message(-fd)})");
        using var handle = new FileDescriptor(fd);
        var st = Posix.FStat(handle.Number);
        if (!Libc.IsRegular(st.Mode))
            throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: {relative} is not a regular file");
        if ((ulong)st.Size < length)
            throw new ZhuqueException(ReturnCode.ImageCorrupt, string.Create(CultureInfo.InvariantCulture,
                $"image {dir.Path} is corrupt: {relative} holds {st.Size} bytes, its regions reach {length}"));
    }

    static ZhuqueException DirectoryError(ImageDirectory dir, int errno)
    {
        if (errno == Libc.ENOENT)
            return new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: {BackingFiles.RegionsDirectory}/ is missing");
        // With O_DIRECTORY a symbolic link gives ENOTDIR rather than ELOOP: ask lstat which it was.
        if (errno == Libc.ELOOP || (errno == Libc.ENOTDIR && Libc.FStatAt(dir.Fd, BackingFiles.RegionsDirectory, out var st, Libc.AT_SYMLINK_NOFOLLOW) == 0 && Libc.IsSymlink(st.Mode)))
            return new ZhuqueException(ReturnCode.ImageInsecure,
                $"image {dir.Path}: {BackingFiles.RegionsDirectory} is a symbolic link; refusing to use it");
        if (errno == Libc.ENOTDIR)
            return new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} is corrupt: {BackingFiles.RegionsDirectory} is not a directory");
        return new ZhuqueException(ReturnCode.ImageCorrupt,
            $"image {dir.Path} is corrupt: {BackingFiles.RegionsDirectory}/ cannot be opened ({Libc.Message(errno)})");
    }
}
