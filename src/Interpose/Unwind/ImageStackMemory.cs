using System.Buffers.Binary;
using Zhuque.Interpose.Frames;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// A thread's stack as the image saved it: ImageMemory read a page at a
/// time and kept, since the unwinder (a stack scan above all) reads many
/// words near each other. A page that cannot be read is remembered as such.
/// </summary>
public sealed class ImageStackMemory(ImageMemory memory) : IStackMemory
{
    const int PageSize = 4096;
    const int MaxCachedPages = 4096;

    readonly Dictionary<ulong, byte[]?> _pages = [];

    public bool TryReadUInt64(ulong address, out ulong value)
    {
        value = 0;
        if (address > ulong.MaxValue - 8)
            return false;
        Span<byte> bytes = stackalloc byte[8];
        for (var i = 0; i < 8;)
        {
            // The word may straddle two pages.
            var a = address + (ulong)i;
            if (Page(a & ~(ulong)(PageSize - 1)) is not { } page)
                return false;
            var inPage = (int)(a & (PageSize - 1));
            var n = Math.Min(8 - i, PageSize - inPage);
            page.AsSpan(inPage, n).CopyTo(bytes[i..]);
            i += n;
        }
        value = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return true;
    }

    byte[]? Page(ulong start)
    {
        if (_pages.TryGetValue(start, out var page))
            return page;
        page = new byte[PageSize];
        try
        {
            memory.Read(start, page);
        }
        catch (Exception e) when (e is ImageMemoryException or IOException)
        {
            page = null;
        }
        if (_pages.Count < MaxCachedPages)
            _pages[start] = page;
        return page;
    }
}
