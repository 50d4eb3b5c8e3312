using System.Globalization;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Before a fresh start: can the image's filesystem hold a file as long as
/// the arena window (8 TiB, sparse)? The shim sizes regions/arena to it
/// before the program starts, and a filesystem whose largest file is
/// smaller (ext4 with 1 KiB blocks: 16 GiB) fails it with EFBIG, which the
/// shim can only name as "cannot size image file arena: file too large".
/// An unnamed file (O_TMPFILE) is sized and dropped: nothing is written,
/// nothing is left behind. A filesystem without O_TMPFILE is not probed.
/// </summary>
public static class FileSizeProbe
{
    public static void Check(ImageDirectory dir)
    {
        var fd = Posix.OpenAt(dir.Fd, ".", Libc.O_TMPFILE | Libc.O_RDWR | Libc.O_CLOEXEC, ImageFiles.FileMode);
        if (fd < 0)
            return;
        using var probe = new FileDescriptor(fd);
        if (Libc.FTruncate(fd, (long)Layout.ArenaSize) == 0 || Libc.LastError != Libc.EFBIG)
            return;
        throw new ZhuqueException(ReturnCode.UsageOrInternal, string.Create(CultureInfo.InvariantCulture,
            $"the filesystem of {dir.Path} cannot hold the image's {Layout.ArenaSize >> 40} TiB sparse arena file " +
            $"(its largest file is smaller, as on ext4 with 1 KiB blocks); put the image on tmpfs (/dev/shm) or a filesystem with 4 KiB blocks"));
    }
}
