using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// The last resort for a function without CFI: the words above rsp, in
/// order, until one is a return address that a call before it accepts. The
/// first such word is the frame's return slot unless the function left a
/// stale one in its locals, which is why the stricter test comes first.
/// </summary>
public sealed class StackScan(IStackMemory memory, ProgramCode code)
{
    /// <summary>How far up the stack a frame's return slot is looked for: 16 KiB.</summary>
    public const int MaxWords = 2048;

    /// <summary>The first word from sp up that is code and that accept takes for a return address.</summary>
    public (ulong Slot, ulong ReturnAddress)? Find(ulong sp, Func<ulong, bool> accept)
    {
        for (var i = 0; i < MaxWords; i++)
        {
            var slot = sp + ((ulong)i * 8);
            if (slot < sp || !memory.TryReadUInt64(slot, out var word))
                return null; // wrapped, or the end of the saved stack
            if (code.Contains(word) && accept(word))
                return (slot, word);
        }
        return null;
    }
}
