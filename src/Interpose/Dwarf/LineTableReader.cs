using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// Reads every line-number program of an ELF file's .debug_line into a
/// LineTable. A unit that cannot be read is skipped (its code has no lines);
/// a file without .debug_line has no table (null).
/// </summary>
public static class LineTableReader
{
    /// <exception cref="ElfFormatException">a debug section lies outside the file</exception>
    public static LineTable? Read(ElfSectionData sections)
    {
        var debugLine = sections.Read(".debug_line");
        if (debugLine is null || debugLine.Length == 0)
            return null;
        var strings = new DwarfStrings(sections.Read(".debug_str"), sections.Read(".debug_line_str"));
        var directories = CompilationDirectories.Read(sections.Read(".debug_info"), sections.Read(".debug_abbrev"), strings);
        return Read(debugLine, strings, directories);
    }

    public static LineTable Read(byte[] debugLine, DwarfStrings strings, IReadOnlyDictionary<ulong, string> compilationDirectories)
    {
        var sequences = new List<LineSequence>();
        foreach (var (offset, unit, dwarf64) in DwarfCursor.Units(debugLine, ".debug_line", "line table unit"))
        {
            var directory = compilationDirectories.GetValueOrDefault(offset);
            try
            {
                var header = LineProgramHeaderReader.Read(unit, dwarf64, strings, directory);
                sequences.AddRange(LineProgramRunner.Run(header, unit, directory));
            }
            catch (DwarfFormatException)
            {
                // This unit's code has no lines; the others still do.
            }
        }
        return new LineTable(sequences);
    }
}
