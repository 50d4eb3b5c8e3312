namespace Zhuque.Interpose.Dwarf;

/// <summary>Line-number program opcodes and content types (DWARF 5 section 6.2 and 7.22).</summary>
public static class DwLine
{
    // Standard opcodes (DW_LNS_*).
    public const byte Copy = 0x01;             // DW_LNS_copy
    public const byte AdvancePc = 0x02;        // DW_LNS_advance_pc
    public const byte AdvanceLine = 0x03;      // DW_LNS_advance_line
    public const byte SetFile = 0x04;          // DW_LNS_set_file
    public const byte SetColumn = 0x05;        // DW_LNS_set_column
    public const byte NegateStmt = 0x06;       // DW_LNS_negate_stmt
    public const byte SetBasicBlock = 0x07;    // DW_LNS_set_basic_block
    public const byte ConstAddPc = 0x08;       // DW_LNS_const_add_pc
    public const byte FixedAdvancePc = 0x09;   // DW_LNS_fixed_advance_pc
    public const byte SetPrologueEnd = 0x0a;   // DW_LNS_set_prologue_end
    public const byte SetEpilogueBegin = 0x0b; // DW_LNS_set_epilogue_begin
    public const byte SetIsa = 0x0c;           // DW_LNS_set_isa

    // Extended opcodes (DW_LNE_*), after a 0 byte and a length.
    public const byte EndSequence = 0x01;      // DW_LNE_end_sequence
    public const byte SetAddress = 0x02;       // DW_LNE_set_address
    public const byte DefineFile = 0x03;       // DW_LNE_define_file (DWARF 2-4)
    public const byte SetDiscriminator = 0x04; // DW_LNE_set_discriminator

    // Entry formats of DWARF 5 headers (DW_LNCT_*).
    public const ulong ContentPath = 0x1;           // DW_LNCT_path
    public const ulong ContentDirectoryIndex = 0x2; // DW_LNCT_directory_index
}
