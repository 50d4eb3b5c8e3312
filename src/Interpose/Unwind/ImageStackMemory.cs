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

    public bool TryRead(ulong address, Span<byte> buffer)
    {
        if (address > ulong.MaxValue - (ulong)buffer.Length)
            return false;
        while (!buffer.IsEmpty)
        {
            // The range may straddle pages.
            if (Page(address & ~(ulong)(PageSize - 1)) is not { } page)
                return false;
            var inPage = (int)(address & (PageSize - 1));
            var n = Math.Min(buffer.Length, PageSize - inPage);
            page.AsSpan(inPage, n).CopyTo(buffer);
            buffer = buffer[n..];
            address += (ulong)n;
        }
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
