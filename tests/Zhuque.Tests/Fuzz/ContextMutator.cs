using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using Zhuque.Interpose.Image;

namespace Zhuque.Tests.Fuzz;

/// <summary>
/// Damages a context the ways a file can be damaged, and the ways that
/// reach past a checksum: bit flips, bytes and words set to boundary
/// values, truncations and extensions, and field-aware edits of header
/// counts and offsets, table entries (regions, threads, descriptors: their
/// data_off and data_len) and the save area, with values chosen to sit on
/// an edge (0, -1, 0x7fffffff, a count at its capacity and one past it, an
/// offset at the end of the file, another entry's value). Each call makes
/// one edit and says what it did; all choices come from the Random given,
/// so a case is reproduced by its seed.
/// </summary>
public static class ContextMutator
{
    static readonly StructField[] HeaderFields = StructFields.Of<ZqHeader>();
    static readonly StructField[] RegionFields = StructFields.Of<ZqRegion>();
    static readonly StructField[] ThreadFields = StructFields.Of<ZqThread>();
    static readonly StructField[] FdFields = StructFields.Of<ZqFd>();
    static readonly int HeaderSize = Unsafe.SizeOf<ZqHeader>();

    /// <summary>The header fields that place and size what the reader reads: half of the header edits go to them.</summary>
    static readonly StructField[] Structural = [.. HeaderFields.Where(f =>
        f.Name.EndsWith("Count", StringComparison.Ordinal) || f.Name.EndsWith("Cap", StringComparison.Ordinal)
        || f.Name.EndsWith("Off", StringComparison.Ordinal) || f.Name.EndsWith("Len", StringComparison.Ordinal)
        || f.Name is nameof(ZqHeader.State) or nameof(ZqHeader.HeaderSize))];

    static readonly ZqState[] OtherStates = [ZqState.New, ZqState.Running, ZqState.Exited, ZqState.Lost, ZqState.Faulted];

    /// <summary>
    /// A quarter of the cases start from the same context in another state:
    /// the reader checks those less (RegionTable) and keeps no descriptors,
    /// and that path must hold up too.
    /// </summary>
    public static string? Restate(SparseContext c, Random rng)
    {
        if (rng.Next(4) != 0)
            return null;
        var state = OtherStates[rng.Next(OtherStates.Length)];
        c.Write(Field(HeaderFields, nameof(ZqHeader.State)).Offset, (uint)state);
        return $"state {state.ToString().ToLowerInvariant()}";
    }

    /// <summary>One table of the context as the (possibly already damaged) header names it.</summary>
    sealed record Table(string Name, long Offset, uint Count, uint Capacity, StructField[] Fields, int EntrySize);

    static Table[] Tables(ZqHeader h) =>
    [
        new("regions", (long)Math.Min(h.RegionOff, long.MaxValue), h.RegionCount, h.RegionCap, RegionFields, Unsafe.SizeOf<ZqRegion>()),
        new("threads", (long)Math.Min(h.ThreadOff, long.MaxValue), h.ThreadCount, h.ThreadCap, ThreadFields, Unsafe.SizeOf<ZqThread>()),
        new("fds", (long)Math.Min(h.FdOff, long.MaxValue), h.FdCount, h.FdCap, FdFields, Unsafe.SizeOf<ZqFd>()),
    ];

    public static string Mutate(SparseContext c, Random rng)
    {
        var roll = rng.Next(100);
        return roll switch
        {
            < 14 => FlipBits(c, rng),
            < 24 => SetBoundaryBytes(c, rng),
            < 46 => EditHeaderField(c, rng),
            < 72 => EditTableEntry(c, rng),
            < 80 => EditSaveArea(c, rng),
            < 85 => CopyEntry(c, rng),
            < 94 => Truncate(c, rng),
            _ => Extend(c, rng),
        };
    }

    /// <summary>A byte that holds data, chosen by part: the header most, then the descriptors, the save area and the other tables.</summary>
    static (long Offset, string Where) LiveByte(SparseContext c, Random rng)
    {
        var h = c.Header;
        var parts = new List<(long Offset, long Length, string Name, int Weight)> { (0, HeaderSize, "header", 30) };
        foreach (var t in Tables(h))
            parts.Add((t.Offset, Math.Min((long)t.Count * t.EntrySize, 1 << 20), t.Name, t.Name == "fds" ? 30 : 12));
        parts.Add(((long)Math.Min(h.SaveOff, long.MaxValue), (long)Math.Min(h.SaveLen, 1 << 20), "save area", 16));
        parts.RemoveAll(p => p.Length <= 0 || p.Offset < 0 || p.Offset >= c.Length);
        var pick = rng.Next(parts.Sum(p => p.Weight));
        foreach (var p in parts)
        {
            if ((pick -= p.Weight) >= 0)
                continue;
            var at = rng.NextInt64(Math.Min(p.Length, c.Length - p.Offset));
            return (p.Offset + at, string.Create(CultureInfo.InvariantCulture, $"{p.Name}+0x{at:x}"));
        }
        return (0, "header+0x0");
    }

    static string FlipBits(SparseContext c, Random rng)
    {
        var (offset, where) = LiveByte(c, rng);
        var b = c.Read<byte>(offset);
        var mask = 0;
        for (var n = rng.Next(1, 4); n > 0; n--)
            mask |= 1 << rng.Next(8);
        c.Write(offset, (byte)(b ^ mask));
        return string.Create(CultureInfo.InvariantCulture, $"flip 0x{mask:x2} at {where}");
    }

    static string SetBoundaryBytes(SparseContext c, Random rng)
    {
        var (offset, where) = LiveByte(c, rng);
        var width = 1 << rng.Next(4);
        offset &= ~(long)(width - 1);
        var value = Boundary(rng, width);
        WriteValue(c, offset, width, value);
        return string.Create(CultureInfo.InvariantCulture, $"set {width} bytes at {where} to 0x{value:x}");
    }

    static string EditHeaderField(SparseContext c, Random rng)
    {
        var h = c.Header;
        var field = rng.Next(2) == 0 ? Structural[rng.Next(Structural.Length)] : HeaderFields[rng.Next(HeaderFields.Length)];
        var value = Interesting(c, rng, field, ReadValue(c, field.Offset, field.Size), h, Capacity(h, field.Name));
        WriteValue(c, field.Offset, field.Size, value);
        return string.Create(CultureInfo.InvariantCulture, $"header.{field.Name} = 0x{value:x}");
    }

    static uint? Capacity(ZqHeader h, string field) => field switch
    {
        nameof(ZqHeader.RegionCount) => h.RegionCap,
        nameof(ZqHeader.ThreadCount) => h.ThreadCap,
        nameof(ZqHeader.FdCount) => h.FdCap,
        _ => null,
    };

    static string EditTableEntry(SparseContext c, Random rng)
    {
        var h = c.Header;
        var tables = Tables(h).Where(t => t.Count > 0 && t.Offset >= 0 && t.Offset < c.Length).ToArray();
        if (tables.Length == 0)
            return EditHeaderField(c, rng);
        // Descriptors first: they hold the most structure.
        var table = tables.FirstOrDefault(t => t.Name == "fds" && rng.Next(2) == 0) ?? tables[rng.Next(tables.Length)];
        // Now and then the entry just past the count: a count+1 edit would read it.
        var index = rng.Next(10) == 0 ? table.Count : (uint)rng.Next((int)Math.Min(table.Count, int.MaxValue));
        var field = table.Fields[rng.Next(table.Fields.Length)];
        var at = table.Offset + ((long)index * table.EntrySize) + field.Offset;
        var current = ReadValue(c, at, field.Size);
        ulong value;
        if (rng.Next(3) == 0 && table.Count > 1)
        {
            // Another entry's value of the same field: duplicate fds, overlapping data, a region on its neighbour.
            var other = (uint)rng.Next((int)Math.Min(table.Count, int.MaxValue));
            value = ReadValue(c, table.Offset + ((long)other * table.EntrySize) + field.Offset, field.Size);
            if (rng.Next(2) == 0)
                value += (ulong)(long)rng.Next(-8, 9);
        }
        else
            value = Interesting(c, rng, field, current, h, null);
        WriteValue(c, at, field.Size, value);
        return string.Create(CultureInfo.InvariantCulture, $"{table.Name}[{index}].{field.Name} = 0x{value:x}");
    }

    /// <summary>A descriptor's data moved to the end of the save area and grown to an edge of what its kind may keep, save_len with it.</summary>
    static string GrowData(SparseContext c, Random rng)
    {
        var h = c.Header;
        var fds = Tables(h)[2];
        if (fds.Count == 0 || fds.Offset >= c.Length)
            return EditHeaderField(c, rng);
        var index = rng.Next((int)Math.Min(fds.Count, 4096));
        var at = fds.Offset + ((long)index * fds.EntrySize);
        uint[] lengths = [4095, 4096, 4097, 65536, (uint)Layout.ScratchSize, (uint)Layout.ScratchSize + 1, (uint)rng.Next(1, 1 << 16)];
        var length = lengths[rng.Next(lengths.Length)];
        var offset = (h.SaveLen + 7) & ~7UL;
        WriteValue(c, at + Field(FdFields, nameof(ZqFd.DataOff)).Offset, 8, offset);
        WriteValue(c, at + Field(FdFields, nameof(ZqFd.DataLen)).Offset, 4, length);
        WriteValue(c, Field(HeaderFields, nameof(ZqHeader.SaveLen)).Offset, 8, offset + length);
        return string.Create(CultureInfo.InvariantCulture, $"fds[{index}] data grown to {length} bytes at 0x{offset:x}, save_len with it");
    }

    static StructField Field(StructField[] fields, string name) => fields.Single(f => f.Name == name);

    /// <summary>Inside a descriptor's data: its leading word (a listener's address length), an epoll item, or bytes.</summary>
    static string EditSaveArea(SparseContext c, Random rng)
    {
        if (rng.Next(3) == 0)
            return GrowData(c, rng);
        var h = c.Header;
        var fds = Tables(h)[2];
        if (fds.Count == 0 || fds.Offset >= c.Length)
            return FlipBits(c, rng);
        var index = rng.Next((int)Math.Min(fds.Count, 4096));
        var entry = c.Read<ZqFd>(fds.Offset + ((long)index * fds.EntrySize));
        if (entry.DataLen == 0 || h.SaveOff > (ulong)c.Length || entry.DataOff > (ulong)c.Length - h.SaveOff)
            return EditTableEntry(c, rng);
        var start = (long)(h.SaveOff + entry.DataOff);
        var at = start + (rng.Next(2) == 0 ? 0 : rng.NextInt64(Math.Max(1, entry.DataLen)) & ~3L);
        var value = Boundary(rng, 4);
        WriteValue(c, at, 4, value);
        return string.Create(CultureInfo.InvariantCulture, $"data of fds[{index}] (fd {entry.Fd}) +0x{at - start:x} = 0x{value:x}");
    }

    /// <summary>One entry copied over another: a region out of order or doubled, a descriptor saved twice.</summary>
    static string CopyEntry(SparseContext c, Random rng)
    {
        var tables = Tables(c.Header).Where(t => t.Count > 1 && t.Offset >= 0 && t.Offset < c.Length).ToArray();
        if (tables.Length == 0)
            return EditHeaderField(c, rng);
        var t = tables[rng.Next(tables.Length)];
        var from = rng.Next((int)Math.Min(t.Count, int.MaxValue));
        var to = rng.Next((int)Math.Min(t.Count, int.MaxValue));
        var a = c.Read(t.Offset + ((long)from * t.EntrySize), t.EntrySize);
        var b = c.Read(t.Offset + ((long)to * t.EntrySize), t.EntrySize);
        var swap = rng.Next(2) == 0;
        WriteInside(c, t.Offset + ((long)to * t.EntrySize), a);
        if (swap)
            WriteInside(c, t.Offset + ((long)from * t.EntrySize), b);
        return string.Create(CultureInfo.InvariantCulture, $"{(swap ? "swap" : "copy")} {t.Name}[{from}] {(swap ? "and" : "over")} {t.Name}[{to}]");
    }

    /// <summary>Cut at an edge: inside the header, at the end of a table or of the save area, or anywhere.</summary>
    static string Truncate(SparseContext c, Random rng)
    {
        if (c.Length == 0)
            return Extend(c, rng);
        var h = c.Header;
        var edges = new List<long> { 0, 1, HeaderSize - 1, HeaderSize, 4096 };
        foreach (var t in Tables(h))
            edges.AddRange([t.Offset, t.Offset + ((long)t.Count * t.EntrySize) - 1, t.Offset + ((long)t.Count * t.EntrySize)]);
        edges.Add((long)Math.Min(h.SaveOff + h.SaveLen, long.MaxValue) - 1);
        edges.Add((long)Math.Min(h.SaveOff + h.CwdOff + h.CwdLen, long.MaxValue) - 1);
        edges.RemoveAll(e => e < 0 || e >= c.Length);
        var length = rng.Next(4) == 0 ? rng.NextInt64(c.Length) : edges[rng.Next(edges.Count)] + rng.Next(-2, 3);
        length = Math.Clamp(length, 0, c.Length - 1);
        c.SetLength(length);
        return string.Create(CultureInfo.InvariantCulture, $"truncate to 0x{length:x}");
    }

    /// <summary>Longer: a hole after the end, or bytes written past it.</summary>
    static string Extend(SparseContext c, Random rng)
    {
        var old = c.Length;
        if (rng.Next(2) == 0)
        {
            var more = rng.Next(3) == 0 ? old : rng.Next(1, 8192);
            c.SetLength(old + more);
            return string.Create(CultureInfo.InvariantCulture, $"extend by 0x{more:x} (hole)");
        }
        var bytes = new byte[rng.Next(1, 512)];
        rng.NextBytes(bytes);
        c.SetLength(old + bytes.Length);
        c.Write(old, bytes);
        return string.Create(CultureInfo.InvariantCulture, $"append {bytes.Length} random bytes");
    }

    /// <summary>A value on an edge for a field: boundaries, its neighbours, the layout's offsets and capacities, the file's length, another header field.</summary>
    static ulong Interesting(SparseContext c, Random rng, StructField field, ulong current, ZqHeader h, uint? capacity)
    {
        if (capacity is { } cap && rng.Next(3) == 0)
            return rng.Next(4) switch { 0 => cap, 1 => (ulong)cap + 1, 2 => current + 1, _ => current - 1 };
        var length = (ulong)c.Length;
        ulong[] pool =
        [
            0, 1, 2, 3, 4095, 4096, current + 1, current - 1, current + 4096, current - 4096, current * 2, current / 2,
            current ^ (1UL << rng.Next(field.Size * 8)),
            Layout.RegionsOff, Layout.ThreadsOff, Layout.FdsOff, Layout.SaveOff, Layout.ContextSize, Layout.SaveSize,
            Layout.RegionsCap, Layout.ThreadsCap, Layout.FdsCap, Layout.FdsCap + 1UL, Layout.ScratchSize,
            length, length - 1, length + 1, length - h.SaveOff, h.SaveLen, h.SaveLen + 1, h.SaveLen - 1,
            h.CwdOff, h.RegionOff, h.FdOff, ContextOracle.UserSpaceEnd, ContextOracle.UserSpaceEnd + 4096,
        ];
        return rng.Next(5) switch
        {
            0 => Boundary(rng, field.Size),
            1 => Random(rng, field.Size),
            _ => pool[rng.Next(pool.Length)],
        };
    }

    static ulong Boundary(Random rng, int width)
    {
        ulong[] values = width switch
        {
            1 => [0, 0xff, 0x7f, 0x80, 1],
            2 => [0, 0xffff, 0x7fff, 0x8000, 1],
            4 => [0, 0xffffffff, 0x7fffffff, 0x80000000, 1, 0xfffffffe],
            _ => [0, ulong.MaxValue, long.MaxValue, 1UL << 63, 0xffffffff, 0x1_0000_0000, 1],
        };
        return values[rng.Next(values.Length)];
    }

    static ulong Random(Random rng, int width)
    {
        Span<byte> bytes = stackalloc byte[8];
        rng.NextBytes(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes) & Mask(width);
    }

    static ulong Mask(int width) => width == 8 ? ulong.MaxValue : (1UL << (width * 8)) - 1;

    static ulong ReadValue(SparseContext c, long offset, int width)
    {
        Span<byte> bytes = stackalloc byte[8];
        bytes.Clear();
        c.Read(offset, bytes[..width]);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Only the bytes inside the file: an edit never lengthens it (Extend does that).</summary>
    static void WriteValue(SparseContext c, long offset, int width, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value & Mask(width));
        WriteInside(c, offset, bytes[..width]);
    }

    static void WriteInside(SparseContext c, long offset, ReadOnlySpan<byte> bytes)
    {
        var n = (int)Math.Clamp(c.Length - offset, 0, bytes.Length);
        if (offset >= 0 && n > 0)
            c.Write(offset, bytes[..n]);
    }
}
