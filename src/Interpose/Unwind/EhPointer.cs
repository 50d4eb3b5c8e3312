using Zhuque.Interpose.Dwarf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// The pointer encodings of .eh_frame (DW_EH_PE_*, Linux Standard Base
/// 5.0 section 10.5.1): a value format in the low four bits, what it is
/// relative to in the next three. Only what a static program's .eh_frame
/// can be read with: absolute and pc-relative pointers.
/// </summary>
public static class EhPointer
{
    public const byte Omit = 0xff;    // DW_EH_PE_omit
    const byte Absptr = 0x00;         // DW_EH_PE_absptr
    const byte Uleb128 = 0x01;        // DW_EH_PE_uleb128
    const byte Udata2 = 0x02;         // DW_EH_PE_udata2
    const byte Udata4 = 0x03;         // DW_EH_PE_udata4
    const byte Udata8 = 0x04;         // DW_EH_PE_udata8
    const byte Sleb128 = 0x09;        // DW_EH_PE_sleb128
    const byte Sdata2 = 0x0a;         // DW_EH_PE_sdata2
    const byte Sdata4 = 0x0b;         // DW_EH_PE_sdata4
    const byte Sdata8 = 0x0c;         // DW_EH_PE_sdata8
    const byte Pcrel = 0x10;          // DW_EH_PE_pcrel
    const byte Indirect = 0x80;       // DW_EH_PE_indirect

    /// <summary>
    /// Reads a pointer of the given encoding; fieldAddress is where the
    /// field itself is in memory (for pc-relative ones). An indirect pointer
    /// is the address of the value, not the value: accepted only where the
    /// caller skips it (personality routines).
    /// </summary>
    public static ulong Read(DwarfCursor c, byte encoding, ulong fieldAddress, bool allowIndirect = false)
    {
        if ((encoding & Indirect) != 0 && !allowIndirect)
            throw new DwarfFormatException($"indirect pointer encoding 0x{encoding:x2}");
        var value = (encoding & 0x0f) switch
        {
            Absptr => c.U64(),
            Uleb128 => c.Uleb128(),
            Udata2 => c.U16(),
            Udata4 => c.U32(),
            Udata8 => c.U64(),
            Sleb128 => (ulong)c.Sleb128(),
            Sdata2 => (ulong)(long)c.S16(),
            Sdata4 => (ulong)(long)c.S32(),
            Sdata8 => (ulong)c.S64(),
            _ => throw new DwarfFormatException($"pointer encoding 0x{encoding:x2}"),
        };
        return (encoding & 0x70) switch
        {
            0 => value,
            Pcrel => fieldAddress + value,
            _ => throw new DwarfFormatException($"pointer encoding 0x{encoding:x2} (relative to a base this reader does not know)"),
        };
    }

    /// <summary>A range length (an FDE's pc_range): the value format only, never relative.</summary>
    public static ulong ReadLength(DwarfCursor c, byte encoding) => Read(c, (byte)(encoding & 0x0f), 0);
}
