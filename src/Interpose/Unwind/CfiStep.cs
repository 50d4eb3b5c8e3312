using Zhuque.Interpose.Dwarf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// One step up the stack by the program's .eh_frame: the row at the pc
/// gives the CFA (the caller's rsp) and where each register of the caller
/// was saved. Null when no FDE covers the pc, or its rules cannot be used
/// here (an expression, a register or a slot that is unknown).
/// </summary>
public sealed class CfiStep(FdeTable fdes, IStackMemory memory)
{
    public RegisterState? Caller(RegisterState callee, ulong lookupPc)
    {
        if (fdes.Find(lookupPc) is not { } fde)
            return null;
        UnwindRow row;
        try
        {
            row = CfiInterpreter.RowAt(fde, lookupPc);
        }
        catch (DwarfFormatException)
        {
            return null;
        }
        if (row.Cfa.IsExpression || callee[row.Cfa.Register] is not { } cfaBase)
            return null;
        var cfa = cfaBase + (ulong)row.Cfa.Offset;
        var returnColumn = row.ReturnAddressRegister;
        if (returnColumn is < 0 or >= X86Registers.Count)
            return null;

        var changes = new (int, ulong?)[X86Registers.Count];
        for (var r = 0; r < X86Registers.Count; r++)
            changes[r] = (r, Value(row.Rules[r], r, callee, cfa));
        // The CFA is, by definition on x86_64, the rsp before the call; unless a rule says otherwise.
        if (row.Rules[X86Registers.Rsp].Kind is RuleKind.Unspecified or RuleKind.SameValue)
            changes[X86Registers.Rsp] = (X86Registers.Rsp, cfa);
        var returnRule = row.Rules[returnColumn].Kind;
        if (returnRule == RuleKind.Undefined)
            changes[X86Registers.ReturnAddress] = (X86Registers.ReturnAddress, 0); // the outermost frame
        else if (returnRule is RuleKind.Unspecified or RuleKind.SameValue)
            return null; // the pc would not move
        else
            changes[X86Registers.ReturnAddress] = (X86Registers.ReturnAddress, changes[returnColumn].Item2);
        var caller = callee.With(changes);
        return caller.Pc is null ? null : caller;
    }

    ulong? Value(RegisterRule rule, int register, RegisterState callee, ulong cfa) => rule.Kind switch
    {
        RuleKind.Unspecified or RuleKind.SameValue => callee[register],
        RuleKind.Offset => memory.TryReadUInt64(cfa + (ulong)rule.Value, out var saved) ? saved : null,
        RuleKind.ValOffset => cfa + (ulong)rule.Value,
        RuleKind.Register => rule.Value is >= 0 and < X86Registers.Count ? callee[(int)rule.Value] : null,
        _ => null, // Undefined, Expression
    };
}
