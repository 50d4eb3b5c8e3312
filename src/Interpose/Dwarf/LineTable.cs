namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// Every sequence of a program's line tables, sorted by start address, and
/// the lookup of the source line of an address (what addr2line prints).
/// </summary>
public sealed class LineTable
{
    // Sequences of code a linker discarded may remain, at 0 or overlapping;
    // a lookup looks back over this many sequences that start before it.
    const int OverlapLookBack = 8;

    readonly LineSequence[] _sequences;

    public LineTable(IEnumerable<LineSequence> sequences) =>
        _sequences = [.. sequences.OrderBy(s => s.Start).ThenBy(s => s.End)];

    public IReadOnlyList<LineSequence> Sequences => _sequences;

    /// <summary>The file and line of the code at address, or null where no line table covers it.</summary>
    public SourceLocation? Lookup(ulong address)
    {
        int low = 0, high = _sequences.Length - 1, found = -1;
        while (low <= high)
        {
            var mid = low + ((high - low) / 2);
            if (_sequences[mid].Start <= address)
            {
                found = mid;
                low = mid + 1;
            }
            else
                high = mid - 1;
        }
        for (var i = found; i >= 0 && i > found - OverlapLookBack; i--)
        {
            var sequence = _sequences[i];
            if (sequence.Find(address) is { } row)
                return new SourceLocation(FileName(sequence, row.File), row.Line);
        }
        return null;
    }

    static string FileName(LineSequence sequence, int file) =>
        file >= 0 && file < sequence.Files.Count ? sequence.Files[file] : "??";
}
