using System.Text;

namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// The string sections that attribute forms point into: .debug_str
/// (DW_FORM_strp) and .debug_line_str (DW_FORM_line_strp). Either may be
/// absent; a string asked of an absent or too short section is an error.
/// </summary>
public sealed record DwarfStrings(byte[]? DebugStr, byte[]? DebugLineStr)
{
    public string Str(ulong offset) => At(DebugStr, offset, ".debug_str");

    public string LineStr(ulong offset) => At(DebugLineStr, offset, ".debug_line_str");

    static string At(byte[]? table, ulong offset, string name)
    {
        if (table is null)
            throw new DwarfFormatException($"a string in {name}, which the file does not have");
        if (offset >= (ulong)table.Length)
            throw new DwarfFormatException($"string offset 0x{offset:x} is past the end of {name} ({table.Length} bytes)");
        var rest = table.AsSpan((int)offset);
        var end = rest.IndexOf((byte)0);
        if (end < 0)
            throw new DwarfFormatException($"unterminated string at 0x{offset:x} of {name}");
        return Encoding.UTF8.GetString(rest[..end]);
    }
}
