namespace Zhuque.Interpose.Dwarf;

/// <summary>Attribute forms (DW_FORM_*, DWARF 5 section 7.5.6, and the GNU ones gcc may write).</summary>
public static class DwForm
{
    public const ulong Addr = 0x01;          // DW_FORM_addr
    public const ulong Block2 = 0x03;        // DW_FORM_block2
    public const ulong Block4 = 0x04;        // DW_FORM_block4
    public const ulong Data2 = 0x05;         // DW_FORM_data2
    public const ulong Data4 = 0x06;         // DW_FORM_data4
    public const ulong Data8 = 0x07;         // DW_FORM_data8
    public const ulong String = 0x08;        // DW_FORM_string
    public const ulong Block = 0x09;         // DW_FORM_block
    public const ulong Block1 = 0x0a;        // DW_FORM_block1
    public const ulong Data1 = 0x0b;         // DW_FORM_data1
    public const ulong Flag = 0x0c;          // DW_FORM_flag
    public const ulong Sdata = 0x0d;         // DW_FORM_sdata
    public const ulong Strp = 0x0e;          // DW_FORM_strp
    public const ulong Udata = 0x0f;         // DW_FORM_udata
    public const ulong RefAddr = 0x10;       // DW_FORM_ref_addr
    public const ulong Ref1 = 0x11;          // DW_FORM_ref1
    public const ulong Ref2 = 0x12;          // DW_FORM_ref2
    public const ulong Ref4 = 0x13;          // DW_FORM_ref4
    public const ulong Ref8 = 0x14;          // DW_FORM_ref8
    public const ulong RefUdata = 0x15;      // DW_FORM_ref_udata
    public const ulong Indirect = 0x16;      // DW_FORM_indirect
    public const ulong SecOffset = 0x17;     // DW_FORM_sec_offset
    public const ulong Exprloc = 0x18;       // DW_FORM_exprloc
    public const ulong FlagPresent = 0x19;   // DW_FORM_flag_present
    public const ulong Strx = 0x1a;          // DW_FORM_strx
    public const ulong Addrx = 0x1b;         // DW_FORM_addrx
    public const ulong RefSup4 = 0x1c;       // DW_FORM_ref_sup4
    public const ulong StrpSup = 0x1d;       // DW_FORM_strp_sup
    public const ulong Data16 = 0x1e;        // DW_FORM_data16
    public const ulong LineStrp = 0x1f;      // DW_FORM_line_strp
    public const ulong RefSig8 = 0x20;       // DW_FORM_ref_sig8
    public const ulong ImplicitConst = 0x21; // DW_FORM_implicit_const
    public const ulong Loclistx = 0x22;      // DW_FORM_loclistx
    public const ulong Rnglistx = 0x23;      // DW_FORM_rnglistx
    public const ulong RefSup8 = 0x24;       // DW_FORM_ref_sup8
    public const ulong Strx1 = 0x25;         // DW_FORM_strx1
    public const ulong Strx2 = 0x26;         // DW_FORM_strx2
    public const ulong Strx3 = 0x27;         // DW_FORM_strx3
    public const ulong Strx4 = 0x28;         // DW_FORM_strx4
    public const ulong Addrx1 = 0x29;        // DW_FORM_addrx1
    public const ulong Addrx2 = 0x2a;        // DW_FORM_addrx2
    public const ulong Addrx3 = 0x2b;        // DW_FORM_addrx3
    public const ulong Addrx4 = 0x2c;        // DW_FORM_addrx4
    public const ulong GnuAddrIndex = 0x1f01; // DW_FORM_GNU_addr_index
    public const ulong GnuStrIndex = 0x1f02;  // DW_FORM_GNU_str_index
    public const ulong GnuRefAlt = 0x1f20;    // DW_FORM_GNU_ref_alt
    public const ulong GnuStrpAlt = 0x1f21;   // DW_FORM_GNU_strp_alt
}
