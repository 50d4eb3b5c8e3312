using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Zhuque.Interpose.Image;

/// <summary>
/// zq_checksum of image.h: FNV-1a (64-bit) over the header, then
/// region_count regions at region_off, thread_count threads at thread_off
/// and fd_count descriptors at fd_off, as stored in the context file, with
/// the words a resume writes before the program runs taken as zero (the
/// checksum, dir_fd, lock_fd, arena_fd, resume_ready, resume_go, and each
/// thread's mem_tid): a resume cut short leaves an image that resumes.
/// Only a saved image's is meaningful (the runtime writes it last when it
/// saves a failure). The tables are read in pieces, so a large table costs
/// no more memory than a small one; the caller has checked them against
/// the file's length (ContextReader).
/// </summary>
public static class ContextChecksum
{
    const int Chunk = 1 << 16;

    public static readonly int ChecksumOffset = (int)Marshal.OffsetOf<ZqHeader>(nameof(ZqHeader.Checksum));

    /// <summary>The checksum the header and tables of the file call for.</summary>
    public static ulong Compute(SafeFileHandle handle, ZqHeader header)
    {
        var sum = Header(header);
        sum = Table(handle, sum, header.RegionOff, (ulong)header.RegionCount * (ulong)Unsafe.SizeOf<ZqRegion>());
        sum = Threads(handle, sum, header.ThreadOff, header.ThreadCount);
        return Table(handle, sum, header.FdOff, (ulong)header.FdCount * (ulong)Unsafe.SizeOf<ZqFd>());
    }

    /// <summary>True when the stored checksum is the one the contents call for.</summary>
    public static bool Matches(SafeFileHandle handle, ZqHeader header) => Compute(handle, header) == header.Checksum;

    /// <summary>FNV-1a of the header with its checksum and resume-time fields zero.</summary>
    public static ulong Header(ZqHeader header)
    {
        header.Checksum = 0;
        header.DirFd = header.LockFd = header.ArenaFd = 0;
        header.ResumeReady = header.ResumeGo = 0;
        return Fnv(Layout.FnvOffset, MemoryMarshal.AsBytes(new ReadOnlySpan<ZqHeader>(in header)));
    }

    /// <summary>Continues an FNV-1a hash over bytes.</summary>
    public static ulong Fnv(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            hash = (hash ^ b) * Layout.FnvPrime;
        return hash;
    }

    /// <summary>The thread table, entry by entry with mem_tid zero.</summary>
    static ulong Threads(SafeFileHandle handle, ulong hash, ulong offset, uint count)
    {
        var size = Unsafe.SizeOf<ZqThread>();
        var buffer = new byte[size * (int)Math.Min(count, (uint)(Chunk / size))];
        while (count > 0)
        {
            var entries = (int)Math.Min(count, (uint)(buffer.Length / size));
            var span = buffer.AsSpan(0, entries * size);
            for (var done = 0; done < span.Length;)
            {
                var n = RandomAccess.Read(handle, span[done..], (long)offset + done);
                if (n == 0)
                    throw new ContextCorruptException($"context is truncated at offset {offset + (ulong)done}");
                done += n;
            }
            foreach (ref var thread in MemoryMarshal.Cast<byte, ZqThread>(span))
                thread.MemTid = 0;
            hash = Fnv(hash, span);
            offset += (ulong)span.Length;
            count -= (uint)entries;
        }
        return hash;
    }

    static ulong Table(SafeFileHandle handle, ulong hash, ulong offset, ulong length)
    {
        var buffer = new byte[(int)Math.Min((ulong)Chunk, Math.Max(length, 1))];
        while (length > 0)
        {
            var want = (int)Math.Min((ulong)buffer.Length, length);
            var n = RandomAccess.Read(handle, buffer.AsSpan(0, want), (long)offset);
            if (n == 0)
                throw new ContextCorruptException($"context is truncated at offset {offset}");
            hash = Fnv(hash, buffer.AsSpan(0, n));
            offset += (ulong)n;
            length -= (ulong)n;
        }
        return hash;
    }
}
