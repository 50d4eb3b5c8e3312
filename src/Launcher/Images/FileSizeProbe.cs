using System.Globalization;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Before a fresh start: can the image's filesystem hold a file as long as
/// the arena window (8 TiB, sparse)? regions/arena now grows with use, but
/// a page's offset in it is its address minus the window's base, and in
/// regions/fixed its address itself: on a filesystem whose largest file is
/// smaller (ext4 with 1 KiB blocks: 16 GiB) memory far into the window
/// could never be given, and the program would meet ENOMEM long before
/// memory ran out. Refused at the start, in one line, rather than then.
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
