namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// The compilation directory (DW_AT_comp_dir) of each compilation unit in
/// .debug_info, by the offset of its line table (DW_AT_stmt_list). Only
/// DWARF 2-4 line tables need it: their file names are relative to that
/// directory, which the line table itself does not hold. Only the first
/// entry of each unit is read. A unit that cannot be read is left out.
/// </summary>
public static class CompilationDirectories
{
    const ulong AtStmtList = 0x10;    // DW_AT_stmt_list
    const ulong AtCompDir = 0x1b;     // DW_AT_comp_dir
    const byte UtCompile = 0x01;      // DW_UT_compile
    const byte UtType = 0x02;         // DW_UT_type
    const byte UtPartial = 0x03;      // DW_UT_partial
    const byte UtSkeleton = 0x04;     // DW_UT_skeleton
    const byte UtSplitCompile = 0x05; // DW_UT_split_compile
    const byte UtSplitType = 0x06;    // DW_UT_split_type

    public static IReadOnlyDictionary<ulong, string> Read(byte[]? debugInfo, byte[]? debugAbbrev, DwarfStrings strings)
    {
        var result = new Dictionary<ulong, string>();
        if (debugInfo is null || debugAbbrev is null)
            return result;
        foreach (var (_, unit, dwarf64) in DwarfCursor.Units(debugInfo, ".debug_info", "compilation unit"))
        {
            try
            {
                if (ReadUnit(unit, dwarf64, debugAbbrev, strings) is { } found)
                    result.TryAdd(found.StmtList, found.CompDir);
            }
            catch (DwarfFormatException)
            {
                // This unit's directory stays unknown; its paths stay relative.
            }
        }
        return result;
    }

    static (ulong StmtList, string CompDir)? ReadUnit(DwarfCursor unit, bool dwarf64, byte[] debugAbbrev, DwarfStrings strings)
    {
        var version = unit.U16();
        if (version is < 2 or > 5)
            return null;
        ulong abbrevOffset;
        int addressSize;
        if (version >= 5)
        {
            var unitType = unit.U8();
            addressSize = unit.U8();
            abbrevOffset = unit.Offset(dwarf64);
            if (unitType is UtSkeleton or UtSplitCompile)
                unit.U64(); // dwo_id
            else if (unitType is UtType or UtSplitType)
                return null; // type units have no line table of their own
            else if (unitType is not (UtCompile or UtPartial))
                return null;
        }
        else
        {
            abbrevOffset = unit.Offset(dwarf64);
            addressSize = unit.U8();
        }
        var code = unit.Uleb128();
        if (code == 0)
            return null;
        var encoding = new FormEncoding(dwarf64, addressSize, version);
        ulong? stmtList = null;
        string? compDir = null;
        foreach (var spec in AbbreviationReader.Find(debugAbbrev, abbrevOffset, code))
        {
            var value = FormReader.Read(unit, spec.Form, encoding, strings, spec.ImplicitConst);
            if (spec.Name == AtStmtList)
                stmtList = value.Number;
            else if (spec.Name == AtCompDir)
                compDir = value.Text;
        }
        return stmtList is { } s && compDir is { } d ? (s, d) : null;
    }
}
