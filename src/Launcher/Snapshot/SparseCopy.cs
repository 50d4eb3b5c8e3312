using Microsoft.Win32.SafeHandles;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Snapshot;

/// <summary>
/// Copies a sparse file by its data ranges (lseek SEEK_DATA/SEEK_HOLE):
/// the copy has the same length and holes where the source has them, and
/// the time goes with the data, not with the 8 TiB arena's length.
/// </summary>
public static class SparseCopy
{
    const int Chunk = 1 << 20;

    /// <summary>Returns the bytes copied.</summary>
    public static long Copy(SafeFileHandle from, SafeFileHandle to, byte[] buffer)
    {
        var length = RandomAccess.GetLength(from);
        RandomAccess.SetLength(to, length);
        long copied = 0;
        foreach (var (data, hole) in DataRanges((int)from.DangerousGetHandle(), 0, length))
            copied += CopyBytes(from, to, buffer, data, hole);
        return copied;
    }

    /// <summary>The data ranges of fd within [start, end), in order (lseek SEEK_DATA/SEEK_HOLE).</summary>
    public static IEnumerable<(long Start, long End)> DataRanges(int fd, long start, long end)
    {
        for (var at = start; at < end;)
        {
            var data = Libc.LSeek(fd, at, Libc.SEEK_DATA);
            if (data < 0 || data >= end)
                yield break;
            var hole = Libc.LSeek(fd, data, Libc.SEEK_HOLE);
            hole = hole < 0 ? end : Math.Min(hole, end);
            yield return (data, hole);
            at = hole;
        }
    }

    /// <summary>Bytes [start, end) of from to the same place in to; returns the bytes copied.</summary>
    public static long CopyBytes(SafeFileHandle from, SafeFileHandle to, byte[] buffer, long start, long end)
    {
        long copied = 0;
        for (var at = start; at < end;)
        {
            var n = RandomAccess.Read(from, buffer.AsSpan(0, (int)Math.Min(Math.Min(Chunk, buffer.Length), end - at)), at);
            if (n == 0)
                break;
            RandomAccess.Write(to, buffer.AsSpan(0, n), at);
            at += n;
            copied += n;
        }
        return copied;
    }
}
