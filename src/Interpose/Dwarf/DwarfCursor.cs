using System.Buffers.Binary;
using System.Text;

namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// Reads little-endian DWARF values from a byte range, front to back. Every
/// read checks the range's end first and throws DwarfFormatException past
/// it, so a parser built on it cannot run off malformed data.
/// </summary>
public sealed class DwarfCursor(ReadOnlyMemory<byte> data, string what)
{
    const int MaxLeb128Bytes = 10;

    /// <summary>The offset of the next byte, from the start of the range.</summary>
    public int Position { get; private set; }

    public int Length => data.Length;

    public bool AtEnd => Position >= data.Length;

    public int Remaining => data.Length - Position;

    public byte U8() => Take(1)[0];

    public sbyte S8() => (sbyte)Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public short S16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    public int S32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long S64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>An unsigned value of 1, 2, 4 or 8 bytes (an address, an offset).</summary>
    public ulong Unsigned(int size) => size switch
    {
        1 => U8(),
        2 => U16(),
        4 => U32(),
        8 => U64(),
        _ => throw new DwarfFormatException($"{what}: unsupported value size {size}"),
    };

    public ulong Uleb128()
    {
        ulong value = 0;
        for (var i = 0; i < MaxLeb128Bytes; i++)
        {
            var b = U8();
            value |= (ulong)(b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
                return value;
        }
        throw new DwarfFormatException($"{what}: LEB128 longer than {MaxLeb128Bytes} bytes at {Position}");
    }

    public long Sleb128()
    {
        long value = 0;
        for (var i = 0; i < MaxLeb128Bytes; i++)
        {
            var b = U8();
            var shift = 7 * i;
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                if ((b & 0x40) != 0 && shift + 7 < 64)
                    value |= -1L << (shift + 7);
                return value;
            }
        }
        throw new DwarfFormatException($"{what}: LEB128 longer than {MaxLeb128Bytes} bytes at {Position}");
    }

    /// <summary>An unsigned LEB128 that must fit an int (a count, an index, a length).</summary>
    public int UlebInt(string field)
    {
        var value = Uleb128();
        return value <= int.MaxValue ? (int)value : throw new DwarfFormatException($"{what}: {field} {value} is too large");
    }

    /// <summary>A NUL-terminated UTF-8 string.</summary>
    public string CString()
    {
        var rest = data.Span[Position..];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
            throw new DwarfFormatException($"{what}: unterminated string at {Position}");
        Position += end + 1;
        return Encoding.UTF8.GetString(rest[..end]);
    }

    /// <summary>
    /// A unit's initial length: 32-bit, or 0xffffffff then 64-bit (DWARF64).
    /// The length is checked against what remains.
    /// </summary>
    public (int Length, bool Dwarf64) InitialLength()
    {
        ulong length = U32();
        var dwarf64 = false;
        if (length == 0xffff_ffff)
        {
            length = U64();
            dwarf64 = true;
        }
        else if (length >= 0xffff_fff0)
            throw new DwarfFormatException($"{what}: reserved initial length 0x{length:x}");
        if (length > (ulong)Remaining)
            throw new DwarfFormatException($"{what}: unit of {length} bytes at {Position} runs past the end ({Remaining} left)");
        return ((int)length, dwarf64);
    }

    /// <summary>
    /// The units of a section, each with its offset in the section and its
    /// format, up to one whose length cannot be read: where the next unit
    /// would start is then unknown.
    /// </summary>
    public static IEnumerable<(ulong Offset, DwarfCursor Unit, bool Dwarf64)> Units(byte[] section, string what, string unit)
    {
        var c = new DwarfCursor(section, what);
        while (!c.AtEnd)
        {
            var offset = (ulong)c.Position;
            if (c.TryInitialLength() is not { } head)
                yield break;
            yield return (offset, c.Slice(head.Length, unit), head.Dwarf64);
        }
    }

    (int Length, bool Dwarf64)? TryInitialLength()
    {
        try
        {
            return InitialLength();
        }
        catch (DwarfFormatException)
        {
            return null;
        }
    }

    /// <summary>A section offset: 4 bytes, or 8 in DWARF64.</summary>
    public ulong Offset(bool dwarf64) => dwarf64 ? U64() : U32();

    public void Skip(ulong count)
    {
        if (count > (ulong)Remaining)
            throw new DwarfFormatException($"{what}: skip of {count} bytes at {Position} runs past the end");
        Position += (int)count;
    }

    /// <summary>The next count bytes as their own cursor, which cannot read past them.</summary>
    public DwarfCursor Slice(int count, string part)
    {
        var bytes = Memory(count);
        return new DwarfCursor(bytes, part);
    }

    /// <summary>The next count bytes, consumed.</summary>
    public ReadOnlyMemory<byte> Memory(int count)
    {
        if (count < 0 || count > Remaining)
            throw new DwarfFormatException($"{what}: {count} bytes at {Position} run past the end");
        var bytes = data.Slice(Position, count);
        Position += count;
        return bytes;
    }

    /// <summary>Moves to an offset inside the range.</summary>
    public void Seek(int position)
    {
        if (position < 0 || position > data.Length)
            throw new DwarfFormatException($"{what}: offset {position} is outside its {data.Length} bytes");
        Position = position;
    }

    ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
            throw new DwarfFormatException($"{what}: truncated at {Position} (need {count} bytes, {Remaining} left)");
        var span = data.Span.Slice(Position, count);
        Position += count;
        return span;
    }
}
