using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;

namespace Zhuque.Tests.Fuzz;

/// <summary>
/// zq_checksum as image.h defines it (resume-time words as zero, the save area's used bytes
/// included), computed here apart from
/// ContextChecksum, over a SparseContext. FNV-1a over a zero byte is one
/// multiplication by the prime, so a hole of n bytes is a multiplication by
/// prime^n (mod 2^64): a count pushed to its capacity costs no more to hash
/// than the data the context really holds.
/// </summary>
public static class ChecksumModel
{
    const ulong Offset = 0xcbf29ce484222325UL;
    const ulong Prime = 0x100000001b3UL;

    /// <summary>The checksum the context's header and tables call for, or null when a table is not inside the file.</summary>
    public static ulong? Compute(SparseContext c)
    {
        var h = c.Header;
        (ulong Offset, ulong Length)[] tables =
        [
            (h.RegionOff, h.RegionCount * (ulong)Unsafe.SizeOf<ZqRegion>()),
            (h.ThreadOff, h.ThreadCount * (ulong)Unsafe.SizeOf<ZqThread>()),
            (h.FdOff, h.FdCount * (ulong)Unsafe.SizeOf<ZqFd>()),
            (h.MapOff, h.MapCount * (ulong)Unsafe.SizeOf<ZqMapFile>()),
            (h.SaveOff, h.SaveLen),
        ];
        if (c.Length < Unsafe.SizeOf<ZqHeader>() || tables.Any(t => t.Length > 0 && (t.Offset > (ulong)c.Length || t.Length > (ulong)c.Length - t.Offset)))
            return null;
        // The words a resume writes before the program runs count as zero.
        h.Checksum = 0;
        h.DirFd = h.LockFd = h.ArenaFd = 0;
        h.ResumeReady = h.ResumeGo = 0;
        var sum = Fnv(Offset, MemoryMarshal.AsBytes(new ReadOnlySpan<ZqHeader>(in h)));
        for (var i = 0; i < tables.Length; i++)
            sum = Fnv(sum, c, (long)tables[i].Offset, (long)tables[i].Length, i == 1 ? MemTidOf((long)h.ThreadOff) : null);
        return sum;
    }

    /// <summary>True at the bytes of each thread entry's mem_tid, for a table at tableStart.</summary>
    static Func<long, bool> MemTidOf(long tableStart)
    {
        var size = Unsafe.SizeOf<ZqThread>();
        var field = Marshal.OffsetOf<ZqThread>(nameof(ZqThread.MemTid)).ToInt32();
        return position => ((position - tableStart) % size) is var at && at >= field && at < field + sizeof(int);
    }

    static ulong Fnv(ulong hash, SparseContext c, long offset, long length, Func<long, bool>? zero)
    {
        var end = offset + length;
        foreach (var (start, bytes) in c.Extents)
        {
            var from = Math.Max(start, offset);
            var to = Math.Min(start + bytes.Length, end);
            if (from >= to)
                continue;
            hash *= Power(from - offset);
            var part = bytes.AsSpan((int)(from - start), (int)(to - from)).ToArray();
            if (zero is not null)
            {
                for (var k = 0; k < part.Length; k++)
                    part[k] = zero(from + k) ? (byte)0 : part[k];
            }
            hash = Fnv(hash, part);
            offset = to;
        }
        return hash * Power(end - offset);
    }

    static ulong Fnv(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
            hash = (hash ^ b) * Prime;
        return hash;
    }

    /// <summary>Prime^n mod 2^64, by squaring.</summary>
    static ulong Power(long n)
    {
        ulong result = 1, factor = Prime;
        for (; n > 0; n >>= 1, factor *= factor)
        {
            if ((n & 1) != 0)
                result *= factor;
        }
        return result;
    }
}
