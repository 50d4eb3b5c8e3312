using System.Buffers.Binary;

namespace Zhuque.Interpose.Image;

/// <summary>
/// zq_hash of image.h: the content hash the runtime and the shim record
/// for each file the image maps again (libc.so, libraries, files mapped
/// read-only). Little-endian 64-bit words, the last zero-padded, each
/// mixed in by one multiply and shift, after the length (mixed on its own,
/// so that a length and a last word cannot cancel).
/// </summary>
public static class ContentHash
{
    static ulong Word(ulong h, ulong w)
    {
        h = (h ^ w) * Layout.HashMul;
        return h ^ (h >> 29);
    }

    public static ulong Of(ReadOnlySpan<byte> bytes)
    {
        var h = Word(Layout.FnvOffset, (ulong)bytes.Length);
        var i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
            h = Word(h, BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]));
        Span<byte> tail = stackalloc byte[8];
        tail.Clear();
        bytes[i..].CopyTo(tail);
        h = Word(h, BinaryPrimitives.ReadUInt64LittleEndian(tail));
        return h ^ (h >> 32);
    }

    /// <summary>The hash of a file's bytes, read in pieces (a library may be large).</summary>
    public static ulong OfFile(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        var h = Word(Layout.FnvOffset, (ulong)f.Length);
        var buffer = new byte[1 << 20];
        var filled = 0;
        while (true)
        {
            var n = f.Read(buffer, filled, buffer.Length - filled);
            filled += n;
            var whole = filled & ~7;
            for (var i = 0; i < whole; i += 8)
                h = Word(h, BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(i)));
            buffer.AsSpan(whole, filled - whole).CopyTo(buffer);
            filled -= whole;
            if (n == 0)
                break;
        }
        Span<byte> tail = stackalloc byte[8];
        tail.Clear();
        buffer.AsSpan(0, filled).CopyTo(tail);
        h = Word(h, BinaryPrimitives.ReadUInt64LittleEndian(tail));
        return h ^ (h >> 32);
    }
}
