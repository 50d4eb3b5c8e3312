using Microsoft.Win32.SafeHandles;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Bytes a sparse file really holds in a range, found with lseek
/// SEEK_DATA/SEEK_HOLE. Region files are mostly holes (an 8 TiB arena), so
/// their length says nothing; this walks the data extents only.
/// </summary>
public static class DiskUsage
{
    public static long DataBytes(SafeFileHandle handle, long offset, long length)
    {
        var fd = (int)handle.DangerousGetHandle();
        var end = offset + length;
        long total = 0;
        var position = offset;
        while (position < end)
        {
            var data = Libc.LSeek(fd, position, Libc.SEEK_DATA);
            if (data < 0 || data >= end)
                break; // ENXIO: no data after position
            var hole = Libc.LSeek(fd, data, Libc.SEEK_HOLE);
            if (hole < 0)
                hole = end;
            total += Math.Min(hole, end) - data;
            position = hole;
        }
        return total;
    }

    /// <summary>Data bytes of every regular file under IMAGE/regions (opened through the image's fd, O_NONBLOCK).</summary>
    public static long RegionsBytes(ImageDirectory dir)
    {
        var regions = dir.Through(ImageFiles.Regions);
        if (!Directory.Exists(regions))
            return 0;
        long total = 0;
        foreach (var name in Directory.EnumerateFiles(regions).Select(Path.GetFileName))
        {
            using var handle = dir.OpenFile($"{ImageFiles.Regions}/{name}", Libc.O_RDONLY);
            if (handle is not null)
                total += DataBytes(handle, 0, RandomAccess.GetLength(handle));
        }
        return total;
    }
}
