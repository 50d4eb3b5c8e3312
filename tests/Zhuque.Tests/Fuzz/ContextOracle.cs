using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Zhuque.Interpose.Image;

namespace Zhuque.Tests.Fuzz;

/// <summary>
/// What a context ContextReader accepted must be, written apart from the
/// reader from image.h and the runtime's own rules: the values it returns
/// are the file's bytes (header, each table, each descriptor's data, the
/// working directory), the checksum verdict is zq_checksum's, and the
/// invariants hold: counts within capacity, tables inside the file, every
/// region with end >= start and a known file; for a saved image the
/// tables where image.h puts them, regions non-empty, page aligned, sorted,
/// disjoint and inside the user address space, descriptors of a known kind
/// above 2, unique, with data inside save_len, disjoint from each other and
/// from the working directory, shaped as their kind's; no descriptors for
/// another state. Check returns the first rule broken, or null.
/// </summary>
public static class ContextOracle
{
    /// <summary>TASK_SIZE with 5-level paging.</summary>
    public const ulong UserSpaceEnd = 0x00ff_ffff_ffff_f000UL;

    static readonly int HeaderSize = Unsafe.SizeOf<ZqHeader>();

    public static string? Check(SparseContext bytes, Context c)
    {
        var h = bytes.Header;
        if (c.FileLength != bytes.Length)
            return $"file length {c.FileLength}, the file has {bytes.Length}";
        if (bytes.Length < HeaderSize || !c.Header.Equals(h))
            return "the header returned is not the file's";
        if (h.Magic != Layout.Magic || h.AbiVersion != Layout.AbiVersion || h.HeaderSize != HeaderSize || h.State > (uint)ZqState.Faulted)
            return "accepted a header with a wrong magic, ABI, size or state";
        var saved = h.State == (uint)ZqState.Saved;
        return (h.SpliceState == 0
                ? Table<ZqRegion>(bytes, "region", h.RegionOff, h.RegionCount, h.RegionCap, c.Regions)
                : Spliced(bytes, h, c.Regions))
            ?? Table<ZqThread>(bytes, "thread", h.ThreadOff, h.ThreadCount, h.ThreadCap, c.Threads)
            ?? Table<ZqFd>(bytes, "descriptor", h.FdOff, h.FdCount, h.FdCap, saved ? [.. c.Descriptors.Select(d => d.Entry)] : null)
            ?? Regions(c.Regions, saved, h.MapCount)
            ?? (saved ? Saved(bytes, h, c) : c.Descriptors.Count != 0 ? "descriptors returned for an image that is not saved" : null)
            ?? Cwd(bytes, h, c)
            ?? Checksum(bytes, h, c);
    }

    static string? Table<T>(SparseContext bytes, string name, ulong offset, uint count, uint capacity, IReadOnlyList<T>? returned)
        where T : unmanaged
    {
        if (count > capacity)
            return $"{name} count {count} above capacity {capacity}";
        var size = (ulong)Unsafe.SizeOf<T>();
        if (count > 0 && (offset < (ulong)HeaderSize || Past((UInt128)offset + ((UInt128)count * size), bytes.Length)))
            return $"{name} table at 0x{offset:x} ({count} entries) is not inside the file";
        if (returned is null)
            return null;
        if (returned.Count != count)
            return $"{returned.Count} {name}s returned, the header counts {count}";
        var stored = MemoryMarshal.Cast<byte, T>(bytes.Read((long)offset, (int)(count * size)));
        for (var i = 0; i < count; i++)
        {
            if (!stored[i].Equals(returned[i]))
                return $"{name} {i} returned is not the file's";
        }
        return null;
    }

    /// <summary>
    /// A region table under edit (image.h, "Runtime sections"): what comes
    /// back is the table after the edit. Entries before it as stored, then
    /// the record's new ones, then each later entry from where it is now:
    /// its new place once the record counts it moved, its old one before.
    /// </summary>
    static unsafe string? Spliced(SparseContext bytes, ZqHeader h, IReadOnlyList<ZqRegion> returned)
    {
        ulong at = h.SpliceAt, k = h.SpliceRemoved, m = h.SpliceAdded, n = h.SpliceCount;
        if (h.SpliceState != 1 || m > 3 || n > h.RegionCap || at + k > n || n - k + m > h.RegionCap || h.SpliceMoved > n - at - k)
            return "accepted an invalid region table edit";
        var total = n - k + m;
        if ((ulong)returned.Count != total)
            return $"{returned.Count} regions returned, the edit leaves {total}";
        var size = Unsafe.SizeOf<ZqRegion>();
        var off = h.RegionOff;
        ZqRegion At(ulong i) => MemoryMarshal.Read<ZqRegion>(bytes.Read((long)(off + (i * (ulong)size)), size));
        var added = MemoryMarshal.Cast<ulong, ZqRegion>(new ReadOnlySpan<ulong>(h.SpliceAdd, 12)).ToArray();
        for (ulong t = 0; t < total; t++)
        {
            ZqRegion want;
            if (t < at)
                want = At(t);
            else if (t < at + m)
                want = added[t - at];
            else
            {
                var from = t - m + k;
                var moved = m > k ? n - 1 - from < h.SpliceMoved : m < k && from - at - k < h.SpliceMoved;
                want = m == k || moved ? At(t) : At(from);
            }
            if (!want.Equals(returned[(int)t]))
                return $"region {t} returned is not the edited table's";
        }
        return null;
    }

    /// <summary>Range arithmetic in 128 bits: whatever the reader does, the oracle's sums cannot wrap.</summary>
    static bool Past(UInt128 end, long limit) => end > (UInt128)limit;

    static string? Regions(IReadOnlyList<ZqRegion> regions, bool saved, uint mapCount)
    {
        ulong previousEnd = 0;
        foreach (var r in regions)
        {
            if (r.End < r.Start || (r.File >= (uint)ZqFile.Count && (r.File < (uint)ZqFile.Mapped || r.File - (uint)ZqFile.Mapped >= mapCount)))
                return $"region 0x{r.Start:x}-0x{r.End:x} file {r.File} accepted";
            if (!saved)
                continue;
            if (r.End == r.Start || r.Start % 4096 != 0 || r.End % 4096 != 0 || r.Offset % 4096 != 0)
                return $"saved region 0x{r.Start:x}-0x{r.End:x} offset 0x{r.Offset:x} is empty or unaligned";
            if (r.End > UserSpaceEnd || Past((UInt128)r.Offset + (r.End - r.Start), long.MaxValue))
                return $"saved region 0x{r.Start:x}-0x{r.End:x} offset 0x{r.Offset:x} is out of range";
            if (r.Start < previousEnd)
                return $"saved region 0x{r.Start:x} is out of order or overlaps";
            previousEnd = r.End;
        }
        return null;
    }

    static string? Saved(SparseContext bytes, ZqHeader h, Context c)
    {
        if (h.RegionOff != Layout.RegionsOff || h.RegionCap != Layout.RegionsCap || h.ThreadOff != Layout.ThreadsOff
            || h.ThreadCap != Layout.ThreadsCap || h.FdOff != Layout.FdsOff || h.FdCap != Layout.FdsCap || h.SaveOff != Layout.SaveOff
            || h.MapOff != Layout.MapsOff || h.MapCap != Layout.MapsCap)
            return "a saved image with its tables away from image.h's offsets accepted";
        if (h.SaveLen > Layout.SaveSize || Past((UInt128)h.SaveOff + h.SaveLen, bytes.Length))
            return $"save area of {h.SaveLen} bytes is not inside the file";
        var ranges = new List<(ulong Offset, ulong Length)>();
        if (h.CwdLen > 0)
        {
            if ((UInt128)h.CwdOff + h.CwdLen > h.SaveLen)
                return "working directory past save_len accepted";
            ranges.Add((h.CwdOff, h.CwdLen));
        }
        var kinds = new Dictionary<int, ZqFdKind>();
        foreach (var d in c.Descriptors)
        {
            var e = d.Entry;
            if (e.Kind is < (uint)ZqFdKind.File or > (uint)ZqFdKind.Other || e.Fd < 3 || !kinds.TryAdd(e.Fd, d.Kind))
                return $"descriptor {e.Fd} of kind {e.Kind} accepted (unknown kind, 0-2, or twice)";
            if (d.Data.Length != e.DataLen)
                return $"descriptor {e.Fd}: {d.Data.Length} bytes of data returned for data_len {e.DataLen}";
            if (e.DataLen == 0)
                continue;
            if ((UInt128)e.DataOff + e.DataLen > h.SaveLen)
                return $"descriptor {e.Fd}: data at 0x{e.DataOff:x}+{e.DataLen} past save_len {h.SaveLen} accepted";
            if (!bytes.Read((long)(h.SaveOff + e.DataOff), (int)e.DataLen).AsSpan().SequenceEqual(d.Data))
                return $"descriptor {e.Fd}: data returned is not the file's";
            ranges.Add((e.DataOff, e.DataLen));
            if (Shape(d) is { } bad)
                return $"descriptor {e.Fd}: {bad}";
        }
        ranges.Sort();
        for (var i = 1; i < ranges.Count; i++)
        {
            if ((UInt128)ranges[i - 1].Offset + ranges[i - 1].Length > ranges[i].Offset)
                return "overlapping data in the save area accepted";
        }
        foreach (var d in c.Descriptors)
        {
            if (d.Kind == ZqFdKind.Dup && (!kinds.TryGetValue(d.Entry.SameAs, out var k) || k == ZqFdKind.Dup))
                return $"dup {d.Fd} of an unsaved descriptor accepted";
            if (d.Kind == ZqFdKind.Pipe && d.Entry.Peer != -1 && (!kinds.TryGetValue(d.Entry.Peer, out var p) || p != ZqFdKind.Pipe))
                return $"pipe {d.Fd} with a peer that is not a saved pipe accepted";
        }
        return null;
    }

    static string? Shape(SavedDescriptor d)
    {
        var data = d.Data;
        switch (d.Kind)
        {
            case ZqFdKind.File when data.Length > 4095:
            case ZqFdKind.Other when data.Length > 4096:
                return "a path longer than PATH_MAX accepted";
            case ZqFdKind.Epoll when data.Length % 16 != 0:
                return "epoll data not a whole number of items accepted";
            case ZqFdKind.Listen:
                if (data.Length < 8)
                    return "listener data shorter than its length word accepted";
                var length = BinaryPrimitives.ReadUInt32LittleEndian(data);
                var padded = 8 + (((ulong)length + 7) & ~7UL);
                if (length > 128 || padded > (ulong)data.Length || ((ulong)data.Length - padded) % 16 != 0)
                    return "listener data of the wrong shape accepted";
                return null;
            case ZqFdKind.Pipe or ZqFdKind.Socket:
                return null; // saved in pieces: bounded by the save area, checked with every kind
            default:
                return data.Length > (int)Layout.ScratchSize ? "more data than the scratch area accepted" : null;
        }
    }

    static string? Cwd(SparseContext bytes, ZqHeader h, Context c)
    {
        if (h.CwdLen == 0)
            return c.SavedCwd is null ? null : "a working directory returned for cwd_len 0";
        if (h.CwdLen > 4096 || (UInt128)h.SaveOff + h.CwdOff < (uint)HeaderSize || Past((UInt128)h.SaveOff + h.CwdOff + h.CwdLen, bytes.Length))
            return "a working directory outside the file accepted";
        var expected = Encoding.UTF8.GetString(bytes.Read((long)(h.SaveOff + h.CwdOff), (int)h.CwdLen)).TrimEnd('\0');
        return c.SavedCwd == expected ? null : "the working directory returned is not the file's";
    }

    /// <summary>zq_checksum, computed by ChecksumModel from image.h's definition, against the reader's verdict (false for a state other than saved).</summary>
    static string? Checksum(SparseContext bytes, ZqHeader h, Context c)
    {
        var matches = h.State == (uint)ZqState.Saved && ChecksumModel.Compute(bytes) == h.Checksum;
        return matches == c.ChecksumMatches ? null : $"checksum verdict {c.ChecksumMatches}, zq_checksum says {matches}";
    }
}
