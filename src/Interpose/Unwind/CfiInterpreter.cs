using Zhuque.Interpose.Dwarf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// Runs a CIE's initial instructions and then an FDE's up to a pc, and
/// returns the row that holds there. Bounded by the instructions' bytes
/// (each consumes at least one) and by the depth of remember_state.
/// </summary>
public static class CfiInterpreter
{
    const int MaxRememberedStates = 64;

    public static UnwindRow RowAt(FrameDescriptionEntry fde, ulong pc)
    {
        if (pc < fde.PcBegin || pc >= fde.PcEnd)
            throw new ArgumentOutOfRangeException(nameof(pc), $"0x{pc:x} is outside the FDE 0x{fde.PcBegin:x}-0x{fde.PcEnd:x}");
        var cie = fde.Cie;
        var state = new State();
        Execute(new DwarfCursor(cie.InitialInstructions, "CIE instructions"), cie, state, null, ulong.MaxValue, fde.PcBegin, 0);
        var initial = state.Copy();
        Execute(new DwarfCursor(fde.Instructions, "FDE instructions"), cie, state, initial, pc, fde.PcBegin, fde.InstructionsAddress);
        return new UnwindRow(state.Cfa, [.. state.Rules], cie.ReturnAddressRegister);
    }

    /// <summary>Applies instructions while the location stays at or below pc. initial is null while running the CIE's own.</summary>
    static void Execute(DwarfCursor c, CommonInformationEntry cie, State state, State? initial, ulong pc, ulong location, ulong instructionsAddress)
    {
        var remembered = new Stack<State>();
        while (!c.AtEnd)
        {
            var op = c.U8();
            var operand = op & 0x3f;
            ulong advance = 0;
            switch (op & 0xc0)
            {
                case DwCfa.AdvanceLoc:
                    advance = (ulong)operand * cie.CodeAlignment;
                    break;
                case DwCfa.Offset:
                    state.Set(operand, new RegisterRule(RuleKind.Offset, (long)c.Uleb128() * cie.DataAlignment));
                    continue;
                case DwCfa.Restore:
                    state.Set(operand, Restore(initial, operand));
                    continue;
                default:
                    switch (op)
                    {
                        case DwCfa.Nop:
                            continue;
                        case DwCfa.SetLoc:
                            {
                                var target = EhPointer.Read(c, cie.PointerEncoding, instructionsAddress + (ulong)c.Position);
                                if (target < location)
                                    throw new DwarfFormatException($"DW_CFA_set_loc goes back to 0x{target:x}");
                                advance = target - location;
                                break;
                            }
                        case DwCfa.AdvanceLoc1:
                            advance = c.U8() * cie.CodeAlignment;
                            break;
                        case DwCfa.AdvanceLoc2:
                            advance = c.U16() * cie.CodeAlignment;
                            break;
                        case DwCfa.AdvanceLoc4:
                            advance = c.U32() * cie.CodeAlignment;
                            break;
                        case DwCfa.OffsetExtended:
                            state.Set(Reg(c), new RegisterRule(RuleKind.Offset, (long)c.Uleb128() * cie.DataAlignment));
                            continue;
                        case DwCfa.OffsetExtendedSf:
                            state.Set(Reg(c), new RegisterRule(RuleKind.Offset, c.Sleb128() * cie.DataAlignment));
                            continue;
                        case DwCfa.GnuNegativeOffsetExtended:
                            state.Set(Reg(c), new RegisterRule(RuleKind.Offset, -(long)c.Uleb128() * cie.DataAlignment));
                            continue;
                        case DwCfa.ValOffset:
                            state.Set(Reg(c), new RegisterRule(RuleKind.ValOffset, (long)c.Uleb128() * cie.DataAlignment));
                            continue;
                        case DwCfa.ValOffsetSf:
                            state.Set(Reg(c), new RegisterRule(RuleKind.ValOffset, c.Sleb128() * cie.DataAlignment));
                            continue;
                        case DwCfa.RestoreExtended:
                            {
                                var register = Reg(c);
                                state.Set(register, Restore(initial, register));
                                continue;
                            }
                        case DwCfa.Undefined:
                            state.Set(Reg(c), new RegisterRule(RuleKind.Undefined, 0));
                            continue;
                        case DwCfa.SameValue:
                            state.Set(Reg(c), new RegisterRule(RuleKind.SameValue, 0));
                            continue;
                        case DwCfa.Register:
                            state.Set(Reg(c), new RegisterRule(RuleKind.Register, Reg(c)));
                            continue;
                        case DwCfa.RememberState:
                            if (remembered.Count >= MaxRememberedStates)
                                throw new DwarfFormatException($"more than {MaxRememberedStates} nested DW_CFA_remember_state");
                            remembered.Push(state.Copy());
                            continue;
                        case DwCfa.RestoreState:
                            {
                                // The CFA is part of the remembered row, as gcc and libgcc treat it.
                                if (!remembered.TryPop(out var saved))
                                    throw new DwarfFormatException("DW_CFA_restore_state with nothing remembered");
                                state.CopyFrom(saved);
                                continue;
                            }
                        case DwCfa.DefCfa:
                            state.Cfa = new CfaRule(Reg(c), (long)c.Uleb128(), false);
                            continue;
                        case DwCfa.DefCfaSf:
                            state.Cfa = new CfaRule(Reg(c), c.Sleb128() * cie.DataAlignment, false);
                            continue;
                        case DwCfa.DefCfaRegister:
                            state.Cfa = state.Cfa with { Register = Reg(c), IsExpression = false };
                            continue;
                        case DwCfa.DefCfaOffset:
                            state.Cfa = state.Cfa with { Offset = (long)c.Uleb128() };
                            continue;
                        case DwCfa.DefCfaOffsetSf:
                            state.Cfa = state.Cfa with { Offset = c.Sleb128() * cie.DataAlignment };
                            continue;
                        case DwCfa.DefCfaExpression:
                            c.Skip(c.Uleb128());
                            state.Cfa = new CfaRule(0, 0, true);
                            continue;
                        case DwCfa.Expression or DwCfa.ValExpression:
                            {
                                var register = Reg(c);
                                c.Skip(c.Uleb128());
                                state.Set(register, new RegisterRule(RuleKind.Expression, 0));
                                continue;
                            }
                        case DwCfa.GnuArgsSize:
                            c.Uleb128();
                            continue;
                        default:
                            throw new DwarfFormatException($"call frame instruction 0x{op:x2}");
                    }
                    break;
            }
            // An advance: the row so far covers [location, location + advance).
            if (advance > ulong.MaxValue - location || location + advance > pc)
                return;
            location += advance;
        }
    }

    static int Reg(DwarfCursor c)
    {
        var register = c.Uleb128();
        return register <= int.MaxValue ? (int)register : int.MaxValue;
    }

    static RegisterRule Restore(State? initial, int register) =>
        initial is null ? default : initial.Get(register);

    /// <summary>The row being built: the CFA rule and one rule per tracked register.</summary>
    sealed class State
    {
        readonly RegisterRule[] _rules = new RegisterRule[X86Registers.Count];

        public CfaRule Cfa { get; set; }

        public IReadOnlyList<RegisterRule> Rules => _rules;

        public RegisterRule Get(int register) => register is >= 0 and < X86Registers.Count ? _rules[register] : default;

        /// <summary>Rules for registers the unwinder does not track (SSE, x87) are dropped.</summary>
        public void Set(int register, RegisterRule rule)
        {
            if (register is >= 0 and < X86Registers.Count)
                _rules[register] = rule;
        }

        public State Copy()
        {
            var copy = new State();
            copy.CopyFrom(this);
            return copy;
        }

        public void CopyFrom(State other)
        {
            Cfa = other.Cfa;
            other._rules.CopyTo(_rules, 0);
        }
    }
}
