using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// One step up the stack from a function that has no CFI (musl's code is
/// built without it). Every guess must land just after a call in the
/// program's code, or on the signal trampoline. In order:
/// where the function's prologue says its return address is, if a call to
/// this very function, or to a wrapper that jumps to it, or an indirect
/// call, is before it;
/// the innermost frame as a leaf (its return address at rsp);
/// a stack scan for such a call, taken as the rbp chain when it finds rbp+8;
/// the rbp chain when rbp looks like a frame pointer above rsp;
/// a scan that accepts any call.
/// Registers the prologue pushed are read back from where it pushed them:
/// without them a caller's frame pointer, which musl's code may use as a
/// plain register, would be lost.
/// </summary>
public sealed class HeuristicStep(IStackMemory memory, CallSites calls, SignalTrampoline trampoline, ElfSymbols? symbols)
{
    /// <summary>The most a frame pointer may be above rsp and still be taken for one of this frame.</summary>
    const ulong MaxFrameBytes = 1 << 20;

    readonly StackScan _scan = new(memory, calls.Code);
    readonly TailCalls _tailCalls = new(calls.Code);
    readonly PrologueReader _prologues = new(calls.Code);

    /// <summary>interrupted: the frame's pc is an interrupted instruction (the innermost frame, or one a signal handler interrupted), not a return address.</summary>
    public (RegisterState Caller, UnwindMethod Method)? Caller(RegisterState callee, ulong lookupPc, bool interrupted)
    {
        if (callee.Sp is not { } sp)
            return null;
        var start = symbols?.Containing(lookupPc)?.Address;
        var prologue = start is { } f ? _prologues.Read(f, lookupPc) : null;
        if (start is { } s && prologue is not null && sp <= ulong.MaxValue - prologue.FrameBytes
            && memory.TryReadUInt64(sp + prologue.FrameBytes, out var predicted) && CallsOrReaches(predicted, s))
            return (Restore(callee, sp + prologue.FrameBytes, predicted, prologue, false), UnwindMethod.Prologue);
        if (interrupted && memory.TryReadUInt64(sp, out var top) && Plausible(top))
            return (Restore(callee, sp, top, null, false), UnwindMethod.Leaf);

        var framePointer = FramePointerSlot(callee, sp);
        if (start is { } function && _scan.Find(sp, word => CallsOrReaches(word, function)) is var (slot, ra))
            return slot == framePointer
                ? (Restore(callee, slot, ra, prologue, true), UnwindMethod.FramePointer)
                : (Restore(callee, slot, ra, prologue, false), UnwindMethod.Scan);
        if (framePointer is { } fp && memory.TryReadUInt64(fp, out var chained))
            return (Restore(callee, fp, chained, prologue, true), UnwindMethod.FramePointer);
        if (_scan.Find(sp, Plausible) is var (anySlot, anyRa))
            return (Restore(callee, anySlot, anyRa, prologue, false), UnwindMethod.Scan);
        return null;
    }

    bool Plausible(ulong word) => trampoline.IsAt(word) || calls.Before(word) is not null;

    /// <summary>The strict test: the call before word is indirect, or goes to function (directly or through a wrapper).</summary>
    bool CallsOrReaches(ulong word, ulong function) =>
        trampoline.IsAt(word) || (calls.Before(word) is { } call && (call.Target is not { } target || _tailCalls.Reaches(target, function)));

    /// <summary>The slot of the return address by the rbp chain (rbp+8), if rbp looks like this frame's frame pointer.</summary>
    ulong? FramePointerSlot(RegisterState callee, ulong sp)
    {
        if (callee.Bp is not { } bp || bp < sp || bp - sp > MaxFrameBytes || bp % 8 != 0 || bp > ulong.MaxValue - 16)
            return null;
        return memory.TryReadUInt64(bp + 8, out var ra) && Plausible(ra) ? bp + 8 : null;
    }

    /// <summary>
    /// The caller's registers, the return address at slot: rsp just above
    /// it; rbp from just below it when found by the rbp chain; the
    /// registers the prologue pushed from where it pushed them (slot is
    /// rsp at the function's entry).
    /// </summary>
    RegisterState Restore(RegisterState callee, ulong slot, ulong returnAddress, Prologue? prologue, bool framePointer)
    {
        var changes = new List<(int, ulong?)> { (X86Registers.Rsp, slot + 8), (X86Registers.ReturnAddress, returnAddress) };
        if (framePointer)
            changes.Add((X86Registers.Rbp, memory.TryReadUInt64(slot - 8, out var bp) ? bp : null));
        foreach (var saved in prologue?.Saved ?? [])
        {
            if (saved.Offset <= slot && memory.TryReadUInt64(slot - saved.Offset, out var value))
                changes.Add((saved.Register, value));
        }
        return callee.With([.. changes]);
    }
}
