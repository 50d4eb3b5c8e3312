using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Zhuque.Interpose.Image;

/// <summary>
/// zq_checksum of image.h: FNV-1a (64-bit) over the header, then
/// region_count regions at region_off, thread_count threads at thread_off,
/// fd_count descriptors at fd_off, map_count mapped files at map_off and
/// the save_len bytes of the save area at save_off (the pipe bytes, paths
/// and addresses the descriptors name), as stored in the context file, with
/// the words a resume writes before the program runs taken as zero (the
/// checksum, dir_fd, lock_fd, arena_fd, resume_ready, resume_go, and each
/// thread's mem_tid): a resume cut short leaves an image that resumes.
/// Only a saved image's is meaningful (the
/// runtime writes it last when it saves a failure). From a file the tables
/// are read in pieces, so a large table costs no more memory than a small
/// one; the caller has checked them against the file's length
/// (ContextReader).
/// </summary>
public static class ContextChecksum
{
    const int Chunk = 1 << 16;

    public static readonly int ChecksumOffset = (int)Marshal.OffsetOf<ZqHeader>(nameof(ZqHeader.Checksum));

    /// <summary>The checksum the header and tables of the file call for.</summary>
    public static ulong Compute(SafeFileHandle handle, ZqHeader header) => Compute(ContextSource.Of(handle), header);

    /// <summary>The checksum the header and tables of a context held in a seekable stream call for.</summary>
    public static ulong Compute(Stream context, ZqHeader header) => Compute(ContextSource.Of(context), header);

    /// <summary>True when the stored checksum is the one the contents call for.</summary>
    public static bool Matches(SafeFileHandle handle, ZqHeader header) => Compute(handle, header) == header.Checksum;

    /// <summary>The checksum of tables already read, exactly as stored, and of the save area read from the source.</summary>
    internal static ulong Compute(ContextSource source, ZqHeader header, ReadOnlySpan<ZqRegion> regions, ReadOnlySpan<ZqThread> threads, ReadOnlySpan<ZqFd> fds,
        ReadOnlySpan<ZqMapFile> maps)
    {
        var sum = Header(header);
        // A table under edit was read as it is after the edit; the
        // checksum is of the entries as stored.
        sum = header.SpliceState == (uint)ZqSpliceState.None
            ? Fnv(sum, MemoryMarshal.AsBytes(regions))
            : Table(source, sum, header.RegionOff, (ulong)header.RegionCount * (ulong)Unsafe.SizeOf<ZqRegion>());
        foreach (var thread in threads)
            sum = Thread(sum, thread);
        sum = Fnv(sum, MemoryMarshal.AsBytes(fds));
        sum = Fnv(sum, MemoryMarshal.AsBytes(maps));
        return Table(source, sum, header.SaveOff, header.SaveLen);
    }

    internal static ulong Compute(ContextSource source, ZqHeader header)
    {
        var sum = Header(header);
        sum = Table(source, sum, header.RegionOff, (ulong)header.RegionCount * (ulong)Unsafe.SizeOf<ZqRegion>());
        sum = Threads(source, sum, header.ThreadOff, header.ThreadCount);
        sum = Table(source, sum, header.FdOff, (ulong)header.FdCount * (ulong)Unsafe.SizeOf<ZqFd>());
        sum = Table(source, sum, header.MapOff, (ulong)header.MapCount * (ulong)Unsafe.SizeOf<ZqMapFile>());
        return Table(source, sum, header.SaveOff, header.SaveLen);
    }

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

    /// <summary>Continues the hash over one thread entry with its mem_tid zero.</summary>
    static ulong Thread(ulong hash, ZqThread thread)
    {
        thread.MemTid = 0;
        return Fnv(hash, MemoryMarshal.AsBytes(new ReadOnlySpan<ZqThread>(in thread)));
    }

    /// <summary>The thread table, read entry by entry.</summary>
    static ulong Threads(ContextSource source, ulong hash, ulong offset, uint count)
    {
        var size = (ulong)Unsafe.SizeOf<ZqThread>();
        if (count == 0)
            return hash;
        if (offset > (ulong)source.Length || count * size > (ulong)source.Length - offset)
            throw new ContextCorruptException($"context is truncated: a table at 0x{offset:x} ends past the file ({source.Length} bytes)");
        for (var i = 0UL; i < count; i++)
            hash = Thread(hash, source.ReadStruct<ZqThread>((long)(offset + (i * size))));
        return hash;
    }

    static ulong Table(ContextSource source, ulong hash, ulong offset, ulong length)
    {
        if (length == 0)
            return hash;
        if (offset > (ulong)source.Length || length > (ulong)source.Length - offset)
            throw new ContextCorruptException($"context is truncated: a table at 0x{offset:x} ends past the file ({source.Length} bytes)");
        var buffer = new byte[(int)Math.Min((ulong)Chunk, length)];
        while (length > 0)
        {
            var n = (int)Math.Min((ulong)buffer.Length, length);
            source.ReadExactly(buffer.AsSpan(0, n), (long)offset);
            hash = Fnv(hash, buffer.AsSpan(0, n));
            offset += (ulong)n;
            length -= (ulong)n;
        }
        return hash;
    }
}
