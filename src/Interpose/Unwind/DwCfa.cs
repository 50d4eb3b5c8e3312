namespace Zhuque.Interpose.Unwind;

/// <summary>Call frame instructions (DW_CFA_*, DWARF 5 section 6.4.2, and the GNU ones gcc writes).</summary>
public static class DwCfa
{
    // In the top two bits, with an operand in the low six.
    public const byte AdvanceLoc = 0x40;           // DW_CFA_advance_loc
    public const byte Offset = 0x80;               // DW_CFA_offset
    public const byte Restore = 0xc0;              // DW_CFA_restore

    public const byte Nop = 0x00;                  // DW_CFA_nop
    public const byte SetLoc = 0x01;               // DW_CFA_set_loc
    public const byte AdvanceLoc1 = 0x02;          // DW_CFA_advance_loc1
    public const byte AdvanceLoc2 = 0x03;          // DW_CFA_advance_loc2
    public const byte AdvanceLoc4 = 0x04;          // DW_CFA_advance_loc4
    public const byte OffsetExtended = 0x05;       // DW_CFA_offset_extended
    public const byte RestoreExtended = 0x06;      // DW_CFA_restore_extended
    public const byte Undefined = 0x07;            // DW_CFA_undefined
    public const byte SameValue = 0x08;            // DW_CFA_same_value
    public const byte Register = 0x09;             // DW_CFA_register
    public const byte RememberState = 0x0a;        // DW_CFA_remember_state
    public const byte RestoreState = 0x0b;         // DW_CFA_restore_state
    public const byte DefCfa = 0x0c;               // DW_CFA_def_cfa
    public const byte DefCfaRegister = 0x0d;       // DW_CFA_def_cfa_register
    public const byte DefCfaOffset = 0x0e;         // DW_CFA_def_cfa_offset
    public const byte DefCfaExpression = 0x0f;     // DW_CFA_def_cfa_expression
    public const byte Expression = 0x10;           // DW_CFA_expression
    public const byte OffsetExtendedSf = 0x11;     // DW_CFA_offset_extended_sf
    public const byte DefCfaSf = 0x12;             // DW_CFA_def_cfa_sf
    public const byte DefCfaOffsetSf = 0x13;       // DW_CFA_def_cfa_offset_sf
    public const byte ValOffset = 0x14;            // DW_CFA_val_offset
    public const byte ValOffsetSf = 0x15;          // DW_CFA_val_offset_sf
    public const byte ValExpression = 0x16;        // DW_CFA_val_expression
    public const byte GnuArgsSize = 0x2e;          // DW_CFA_GNU_args_size
    public const byte GnuNegativeOffsetExtended = 0x2f; // DW_CFA_GNU_negative_offset_extended
}
