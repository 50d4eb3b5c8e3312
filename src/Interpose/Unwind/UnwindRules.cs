namespace Zhuque.Interpose.Unwind;

/// <summary>How a caller's register is found (DWARF 5 section 6.4.1).</summary>
public enum RuleKind
{
    /// <summary>No rule given: the callee did not change it (what gcc's CFI means for callee-saved registers).</summary>
    Unspecified,
    /// <summary>The value is lost; for the return address, the outermost frame.</summary>
    Undefined,
    SameValue,
    /// <summary>Saved in memory at CFA + Value.</summary>
    Offset,
    /// <summary>Is CFA + Value.</summary>
    ValOffset,
    /// <summary>Is in register Value.</summary>
    Register,
    /// <summary>A DWARF expression: not evaluated here, so unknown.</summary>
    Expression,
}

/// <summary>One register's rule.</summary>
public readonly record struct RegisterRule(RuleKind Kind, long Value);

/// <summary>How the CFA is computed: register + offset, or an expression (not evaluated: unknown).</summary>
public readonly record struct CfaRule(int Register, long Offset, bool IsExpression);

/// <summary>The row of the CFI table that applies at one pc: the CFA and a rule per tracked register.</summary>
public sealed record UnwindRow(CfaRule Cfa, IReadOnlyList<RegisterRule> Rules, int ReturnAddressRegister);
