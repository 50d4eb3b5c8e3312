namespace Zhuque.Interpose.Dwarf;

/// <summary>One row of a line table: from Address on, the code is File:Line (File indexes the sequence's Files).</summary>
public readonly record struct LineRow(ulong Address, int File, int Line);

/// <summary>
/// A run of contiguous code [Start, End) from one line-number program:
/// rows sorted by address, one per address (the last the program gave for
/// it, as binutils keeps it).
/// </summary>
public sealed record LineSequence(ulong Start, ulong End, LineRow[] Rows, IReadOnlyList<string> Files)
{
    /// <summary>The row that covers address, if the sequence does.</summary>
    public LineRow? Find(ulong address)
    {
        if (address < Start || address >= End)
            return null;
        int low = 0, high = Rows.Length - 1, found = -1;
        while (low <= high)
        {
            var mid = low + ((high - low) / 2);
            if (Rows[mid].Address <= address)
            {
                found = mid;
                low = mid + 1;
            }
            else
                high = mid - 1;
        }
        return found < 0 ? null : Rows[found];
    }
}
