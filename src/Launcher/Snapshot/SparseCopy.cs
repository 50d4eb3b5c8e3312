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
        var fd = (int)from.DangerousGetHandle();
        long copied = 0;
        for (long position = 0; position < length;)
        {
            var data = Libc.LSeek(fd, position, Libc.SEEK_DATA);
            if (data < 0 || data >= length)
                break;
            var hole = Libc.LSeek(fd, data, Libc.SEEK_HOLE);
            hole = hole < 0 ? length : Math.Min(hole, length);
            for (var at = data; at < hole;)
            {
                var n = RandomAccess.Read(from, buffer.AsSpan(0, (int)Math.Min(Chunk, hole - at)), at);
                if (n == 0)
                    break;
                RandomAccess.Write(to, buffer.AsSpan(0, n), at);
                at += n;
                copied += n;
            }
            position = hole;
        }
        return copied;
    }
}
