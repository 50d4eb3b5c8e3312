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

    /// <summary>
    /// Bytes [start, end) of from made the same in to, in time that goes
    /// with the range, not the file: SEEK_HOLE on tmpfs walks the page
    /// cache to the end of the data it starts in (26 ms through 2 GiB
    /// resident), so only SEEK_DATA is used, to step over holes. A chunk
    /// read from the data may take in holes after it: its pages that read
    /// zero are asked one by one whether they are data (SEEK_DATA from the
    /// page itself), written if so, punched if not, so that the copy has
    /// file space where the source has it (a held arena range reads zero
    /// and must keep its space: a store there after a resume needs none,
    /// and a full disk must not turn it into a SIGBUS). Returns the bytes
    /// written.
    /// </summary>
    public static long CopyPages(SafeFileHandle from, SafeFileHandle to, byte[] buffer, long start, long end)
    {
        int sfd = (int)from.DangerousGetHandle(), tfd = (int)to.DangerousGetHandle();
        long copied = 0;
        for (var at = start; at < end;)
        {
            var data = Libc.LSeek(sfd, at, Libc.SEEK_DATA);
            if (data < 0 || data >= end)
            {
                Punch(tfd, at, end - at);
                break;
            }
            Punch(tfd, at, data - at);
            var n = RandomAccess.Read(from, buffer.AsSpan(0, (int)Math.Min(Math.Min(Chunk, buffer.Length), end - data)), data);
            if (n == 0)
            {
                Punch(tfd, data, end - data);
                break;
            }
            copied += WriteData(to, sfd, tfd, buffer.AsSpan(0, n), data);
            at = data + n;
        }
        return copied;
    }

    /// <summary>Runs of pages that hold data written; runs of zero pages as the source has them (ZeroRun); returns the bytes written.</summary>
    static long WriteData(SafeFileHandle to, int sfd, int tfd, ReadOnlySpan<byte> bytes, long offset)
    {
        long written = 0;
        for (var i = 0; i < bytes.Length;)
        {
            var zero = IsZero(bytes, i);
            var j = i;
            while (j < bytes.Length && IsZero(bytes, j) == zero)
                j += Math.Min(Page, bytes.Length - j);
            if (zero)
            {
                written += ZeroRun(to, sfd, tfd, bytes[i..j], offset + i);
            }
            else
            {
                RandomAccess.Write(to, bytes[i..j], offset + i);
                written += j - i;
            }
            i = j;
        }
        return written;
    }

    /// <summary>
    /// Zero bytes at offset: where the source has data (space taken), the
    /// zeroes are written; its holes are punched. Returns the bytes written.
    /// </summary>
    static long ZeroRun(SafeFileHandle to, int sfd, int tfd, ReadOnlySpan<byte> zeroes, long offset)
    {
        long written = 0, end = offset + zeroes.Length;
        for (var at = offset; at < end;)
        {
            var data = Libc.LSeek(sfd, at, Libc.SEEK_DATA);
            if (data < 0 || data >= end)
            {
                Punch(tfd, at, end - at);
                break;
            }
            if (data > at)
            {
                Punch(tfd, at, data - at);
                at = data;
                continue;
            }
            // A data page at a time: SEEK_HOLE would walk on to the end of the data.
            var n = (int)Math.Min(Page - (at % Page), end - at);
            RandomAccess.Write(to, zeroes.Slice((int)(at - offset), n), at);
            written += n;
            at += n;
        }
        return written;
    }

    const int Page = 4096;

    static bool IsZero(ReadOnlySpan<byte> bytes, int at) =>
        bytes.Slice(at, Math.Min(Page, bytes.Length - at)).IndexOfAnyExcept((byte)0) < 0;

    /// <summary>A hole punched in the snapshot's file (nothing for an empty range).</summary>
    internal static void Punch(int fd, long offset, long length)
    {
        if (length > 0 && Libc.FAllocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length) != 0)
            throw new IOException($"cannot punch the snapshot's file: {Libc.Message(Libc.LastError)}");
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
