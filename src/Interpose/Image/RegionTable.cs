using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Image;

/// <summary>
/// Reads the region table in pieces, checking each entry as it comes, so a
/// damaged table is refused at its first bad entry rather than after all
/// of it was read. Every entry: end not below start, a known backing file
/// (an image file, or an entry of the mapped-file table).
/// A saved image's table is also what the runtime keeps and the shim maps
/// back: ranges non-empty, page aligned (offsets too), sorted, not
/// overlapping, inside the user address space. Other states are checked
/// less: a program killed inside the runtime, or one still running while
/// the table is read, may leave it half updated, and inspect still shows it.
/// </summary>
static class RegionTable
{
    const ulong PageSize = 4096;

    /// <summary>TASK_SIZE with 5-level paging: no user mapping ends above it.</summary>
    public const ulong UserSpaceEnd = 0x00ff_ffff_ffff_f000UL;

    const int Piece = 4096;

    public static ZqRegion[] Read(ContextSource source, ZqHeader header, bool saved)
    {
        if (header.SpliceState != (uint)ZqSpliceState.None)
            return Check(View(source, header), header, saved);
        var count = (int)header.RegionCount;
        var regions = new ZqRegion[Math.Min(count, Piece)];
        var size = Unsafe.SizeOf<ZqRegion>();
        ulong previousEnd = 0;
        for (var done = 0; done < count;)
        {
            var n = Math.Min(Piece, count - done);
            if (regions.Length < done + n)
                Array.Resize(ref regions, Math.Min(count, regions.Length * 2));
            var piece = regions.AsSpan(done, n);
            source.ReadExactly(MemoryMarshal.AsBytes(piece), (long)(header.RegionOff + ((ulong)done * (ulong)size)));
            foreach (var r in piece)
            {
                if (r.End < r.Start || (r.File >= (uint)ZqFile.Count && r.File - (uint)ZqFile.Mapped >= header.MapCount))
                    throw Invalid(r, "is invalid");
                if (saved)
                    previousEnd = CheckSaved(r, previousEnd);
            }
            done += n;
        }
        return regions;
    }

    static ZqRegion[] Check(ZqRegion[] regions, ZqHeader header, bool saved)
    {
        ulong previousEnd = 0;
        foreach (var r in regions)
        {
            if (r.End < r.Start || (r.File >= (uint)ZqFile.Count && r.File - (uint)ZqFile.Mapped >= header.MapCount))
                throw Invalid(r, "is invalid");
            if (saved)
                previousEnd = CheckSaved(r, previousEnd);
        }
        return regions;
    }

    /// <summary>
    /// The table as it is once the edit a thread was stopped in is done:
    /// image.h's zq_region_view, which the shim maps back.
    /// </summary>
    static unsafe ZqRegion[] View(ContextSource source, ZqHeader h)
    {
        uint at = h.SpliceAt, k = h.SpliceRemoved, m = h.SpliceAdded, n = h.SpliceCount;
        if (h.SpliceState != (uint)ZqSpliceState.Pending || m > 3 || n > h.RegionCap || at > n || k > n - at
            || n - k + m > h.RegionCap || h.SpliceMoved > n - at - k)
            throw new ContextCorruptException($"context region table edit is invalid (state {h.SpliceState}, at {at}, {k} out, {m} in, of {n})");
        var total = n - k + m;
        var rawCount = Math.Max(Math.Max(n, total), h.RegionCount);
        if ((UInt128)h.RegionOff + ((UInt128)rawCount * (UInt128)Unsafe.SizeOf<ZqRegion>()) > (UInt128)(ulong)source.Length)
            throw new ContextCorruptException($"context is truncated: its region table under edit ends past the file");
        var raw = new ZqRegion[rawCount];
        source.ReadExactly(MemoryMarshal.AsBytes(raw.AsSpan()), (long)h.RegionOff);
        var added = new ZqRegion[m];
        MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(h.SpliceAdd, 12))[..(int)(m * (uint)Unsafe.SizeOf<ZqRegion>())]
            .CopyTo(MemoryMarshal.AsBytes(added.AsSpan()));
        var view = new ZqRegion[total];
        for (uint t = 0; t < total; t++)
        {
            if (t < at) view[t] = raw[t];
            else if (t < at + m) view[t] = added[t - at];
            else if (m == k) view[t] = raw[t];
            else
            {
                var src = t + k - m;
                var order = m > k ? n - 1 - src : src - at - k;
                view[t] = order < h.SpliceMoved ? raw[t] : raw[src];
            }
        }
        return view;
    }

    static ulong CheckSaved(ZqRegion r, ulong previousEnd)
    {
        if (r.End == r.Start)
            throw Invalid(r, "is empty");
        if ((r.Start | r.End | r.Offset) % PageSize != 0)
            throw Invalid(r, $"is not page aligned (offset 0x{r.Offset:x})");
        if (r.End > UserSpaceEnd)
            throw Invalid(r, "ends past the user address space");
        if (r.Offset > long.MaxValue - (r.End - r.Start))
            throw Invalid(r, $"has offset 0x{r.Offset:x}, past any file");
        if (r.Start < previousEnd)
            throw Invalid(r, $"is out of order or overlaps the region before it (which ends at 0x{previousEnd:x})");
        return r.End;
    }

    static ContextCorruptException Invalid(ZqRegion r, string why) =>
        new($"context region 0x{r.Start:x}-0x{r.End:x} (file {r.File}) {why}");
}
