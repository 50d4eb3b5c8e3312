namespace Zhuque.Interpose.Unwind;

/// <summary>The FDEs of a program sorted by start, and the one that covers a pc.</summary>
public sealed class FdeTable
{
    // FDEs of functions a linker dropped can remain (at 0, or overlapping);
    // a lookup looks back over this many that start before the pc.
    const int OverlapLookBack = 8;

    readonly FrameDescriptionEntry[] _fdes;

    public FdeTable(IEnumerable<FrameDescriptionEntry> fdes) =>
        _fdes = [.. fdes.Where(f => f.PcEnd > f.PcBegin).OrderBy(f => f.PcBegin)];

    public int Count => _fdes.Length;

    public FrameDescriptionEntry? Find(ulong pc)
    {
        int low = 0, high = _fdes.Length - 1, found = -1;
        while (low <= high)
        {
            var mid = low + ((high - low) / 2);
            if (_fdes[mid].PcBegin <= pc)
            {
                found = mid;
                low = mid + 1;
            }
            else
                high = mid - 1;
        }
        for (var i = found; i >= 0 && i > found - OverlapLookBack; i--)
        {
            if (pc < _fdes[i].PcEnd)
                return _fdes[i];
        }
        return null;
    }
}
