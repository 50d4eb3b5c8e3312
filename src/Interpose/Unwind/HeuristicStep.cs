using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// One step up the stack from a function that has no CFI (musl's code is
/// built without it). Every guess must land just after a call in the
/// program's code. In order:
/// the innermost frame as a leaf (its return address at rsp);
/// a stack scan that accepts only a call to this very function, or to a
/// wrapper that jumps to it, or an indirect call; taken as the rbp chain
/// when it finds rbp+8;
/// the rbp chain when rbp looks like a frame pointer above rsp;
/// a scan that accepts any call.
/// </summary>
public sealed class HeuristicStep(IStackMemory memory, CallSites calls, ElfSymbols? symbols)
{
    /// <summary>The most a frame pointer may be above rsp and still be taken for one of this frame.</summary>
    const ulong MaxFrameBytes = 1 << 20;

    readonly StackScan _scan = new(memory, calls);
    readonly TailCalls _tailCalls = new(calls.Code);

    public (RegisterState Caller, UnwindMethod Method)? Caller(RegisterState callee, ulong lookupPc, bool innermost)
    {
        if (callee.Sp is not { } sp)
            return null;
        if (innermost && memory.TryReadUInt64(sp, out var top) && calls.Before(top) is not null)
            return (callee.With((X86Registers.Rsp, sp + 8), (X86Registers.ReturnAddress, top)), UnwindMethod.Leaf);

        var framePointer = FramePointer(callee, sp);
        var start = symbols?.Containing(lookupPc)?.Address;
        if (start is { } s && _scan.Find(sp, c => c.Target is not { } target || _tailCalls.Reaches(target, s)) is var (slot, ra))
        {
            if (framePointer is { } fp && fp.Caller.Sp == slot + 8)
                return (fp.Caller, UnwindMethod.FramePointer);
            return (callee.With((X86Registers.Rsp, slot + 8), (X86Registers.ReturnAddress, ra)), UnwindMethod.Scan);
        }
        if (framePointer is { } chained)
            return (chained.Caller, UnwindMethod.FramePointer);
        if (_scan.Find(sp, _ => true) is var (anySlot, anyRa))
            return (callee.With((X86Registers.Rsp, anySlot + 8), (X86Registers.ReturnAddress, anyRa)), UnwindMethod.Scan);
        return null;
    }

    /// <summary>The caller by the rbp chain, if rbp looks like this frame's frame pointer.</summary>
    (RegisterState Caller, ulong Slot)? FramePointer(RegisterState callee, ulong sp)
    {
        if (callee.Bp is not { } bp || bp < sp || bp - sp > MaxFrameBytes || bp % 8 != 0 || bp > ulong.MaxValue - 16)
            return null;
        if (!memory.TryReadUInt64(bp, out var savedBp) || !memory.TryReadUInt64(bp + 8, out var ra) || calls.Before(ra) is null)
            return null;
        return (callee.With((X86Registers.Rsp, bp + 16), (X86Registers.Rbp, savedBp), (X86Registers.ReturnAddress, ra)), bp + 8);
    }
}
