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

    /// <summary>Data bytes of a whole file, or 0 if it does not exist.</summary>
    public static long DataBytes(string path)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
        using (handle)
            return DataBytes(handle, 0, RandomAccess.GetLength(handle));
    }

    /// <summary>Data bytes of every file under IMAGE/regions.</summary>
    public static long RegionsBytes(ImageDirectory dir)
    {
        var regions = dir.File(ImageFiles.Regions);
        if (!Directory.Exists(regions))
            return 0;
        return Directory.EnumerateFiles(regions).Sum(DataBytes);
    }
}
