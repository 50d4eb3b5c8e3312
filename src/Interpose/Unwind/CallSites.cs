using Iced.Intel;
using Zhuque.Interpose.Disassembly;
using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>A call instruction that ends where a return address points; Target for a direct call.</summary>
public sealed record CallSite(ulong Address, int Length, ulong? Target);

/// <summary>
/// Whether a value is a plausible return address: it points into the
/// program's code just after a call instruction. That is what the
/// unwinder's guesses (where a function has no CFI) are checked against,
/// so that a stray word is not taken for a frame. The start of a function
/// is taken only when the call before it calls that very address (crt1's
/// _start calls _start_c, which follows it): otherwise it is far more
/// likely a function pointer kept on the stack (a thread's start routine,
/// a callback) than the return of a call that ends the function before.
/// </summary>
public sealed class CallSites(ProgramCode code, ElfSymbols? symbols)
{
    // call rel32 is 5 bytes; call through a register or memory 2 to 7, up to 9 with prefixes.
    const int MinCallLength = 2;
    const int MaxCallLength = 9;

    public ProgramCode Code => code;

    /// <summary>The call that ends at returnAddress, or null when none does (or it is not believed, above).</summary>
    public CallSite? Before(ulong returnAddress)
    {
        if (!code.Contains(returnAddress))
            return null;
        var call = CallEndingAt(returnAddress);
        if (call is not null && call.Target != returnAddress && symbols?.Containing(returnAddress)?.Address == returnAddress)
            return null;
        return call;
    }

    CallSite? CallEndingAt(ulong returnAddress)
    {
        for (var length = MinCallLength; length <= MaxCallLength; length++)
        {
            if (returnAddress < (ulong)length)
                break;
            var start = returnAddress - (ulong)length;
            var bytes = code.From(start);
            if (bytes.Length < length)
                continue;
            var decoder = Decoder.Create(64, new MemoryCodeReader(bytes[..length]), start);
            decoder.Decode(out var instruction);
            if (instruction.IsInvalid || instruction.Length != length)
                continue;
            if (instruction.FlowControl == FlowControl.Call)
                return new CallSite(start, length, instruction.NearBranchTarget);
            if (instruction.FlowControl == FlowControl.IndirectCall)
                return new CallSite(start, length, null);
        }
        return null;
    }
}
