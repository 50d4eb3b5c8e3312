using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace Zhuque.Interpose.Core;

/// <summary>
/// gdb finds the components of a core's xsave area at the offsets Intel
/// CPUs use (it knows one other layout, AMD's with PKRU), and refuses an
/// area of another size as too small. A CPU may place them elsewhere (AMD
/// without PKRU: AVX-512's opmask at 832, not 1088): the components this
/// CPU's CPUID places differently are moved to Intel's offsets, the rest
/// stays where it is. The image was saved on a machine of this kind (a
/// resume checks the CPU state components, XCR0, the same way).
/// </summary>
public static class XsaveLayout
{
    // Intel's standard offsets and sizes of components 2..9 (AVX, MPX, AVX-512, PT, PKRU).
    static readonly (int Offset, int Size)[] Intel =
    [
        (576, 256), (960, 64), (1024, 64), (1088, 64), (1152, 512), (1664, 1024), (0, 0), (2688, 8),
    ];

    const int XstateBvOffset = 512;

    public static byte[] ForGdb(byte[] area, ulong xcr0)
    {
        if (!X86Base.IsSupported)
            return area;
        var end = area.Length;
        var moves = new List<(int From, int To, int Size)>();
        for (var c = 2; c <= 9; c++)
        {
            if ((xcr0 & (1UL << c)) == 0 || Intel[c - 2].Size == 0)
                continue;
            var (size, offset, _, _) = X86Base.CpuId(0xd, c);
            var (to, want) = Intel[c - 2];
            if (size != want || offset + size > area.Length)
                return area; // a layout this does not know: leave it as the CPU wrote it
            end = Math.Max(end, to + want);
            if (offset != to)
                moves.Add((offset, to, size));
        }
        if (moves.Count == 0)
            return area;
        var moved = new byte[end];
        area.AsSpan(0, Math.Min(area.Length, 576)).CopyTo(moved);
        for (var c = 2; c <= 9; c++)
        {
            if ((xcr0 & (1UL << c)) == 0 || Intel[c - 2].Size == 0)
                continue;
            var (size, offset, _, _) = X86Base.CpuId(0xd, c);
            area.AsSpan(offset, size).CopyTo(moved.AsSpan(Intel[c - 2].Offset));
        }
        // XSTATE_BV stays: each bit still names its component.
        BinaryPrimitives.WriteUInt64LittleEndian(moved.AsSpan(XstateBvOffset), BinaryPrimitives.ReadUInt64LittleEndian(area.AsSpan(XstateBvOffset)));
        return moved;
    }
}
