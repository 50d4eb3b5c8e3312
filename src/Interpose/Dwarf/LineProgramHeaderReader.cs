namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// Reads the header of a line-number program, versions 2 to 5: the fixed
/// fields, then the directory and file tables (strings in DWARF 2-4; entry
/// formats with any form in DWARF 5). Leaves the cursor at the first opcode.
/// </summary>
public static class LineProgramHeaderReader
{
    /// <summary>
    /// unit: the unit after its initial length, up to its end.
    /// compilationDirectory: DW_AT_comp_dir of its compilation unit, for DWARF 2-4 (DWARF 5 has it as directory 0).
    /// </summary>
    public static LineProgramHeader Read(DwarfCursor unit, bool dwarf64, DwarfStrings strings, string? compilationDirectory)
    {
        var version = unit.U16();
        if (version is < 2 or > 5)
            throw new DwarfFormatException($"line table version {version}");
        var addressSize = 8;
        if (version >= 5)
        {
            addressSize = unit.U8();
            var segmentSelectorSize = unit.U8();
            if (segmentSelectorSize != 0)
                throw new DwarfFormatException($"line table with segment selectors ({segmentSelectorSize} bytes)");
        }
        var headerLength = unit.Offset(dwarf64);
        if (headerLength > (ulong)unit.Remaining)
            throw new DwarfFormatException($"line table header of {headerLength} bytes runs past its unit");
        var programStart = unit.Position + (int)headerLength;
        var header = unit.Slice((int)headerLength, "line table header");

        var minimumInstructionLength = header.U8();
        var maximumOperations = version >= 4 ? header.U8() : (byte)1;
        var defaultIsStmt = header.U8() != 0;
        var lineBase = header.S8();
        var lineRange = header.U8();
        var opcodeBase = header.U8();
        if (lineRange == 0)
            throw new DwarfFormatException("line table with line_range 0");
        if (opcodeBase == 0)
            throw new DwarfFormatException("line table with opcode_base 0");
        var standardLengths = header.Memory(opcodeBase - 1).ToArray();

        var encoding = new FormEncoding(dwarf64, addressSize, version);
        var files = version >= 5
            ? ReadTablesV5(header, encoding, strings)
            : ReadTablesV4(header, compilationDirectory);
        unit.Seek(programStart);
        return new LineProgramHeader(version, addressSize, minimumInstructionLength, Math.Max((byte)1, maximumOperations),
            defaultIsStmt, lineBase, lineRange, opcodeBase, standardLengths, files);
    }

    /// <summary>include_directories then file_names, each list ended by an empty string; directory 0 is the compilation directory.</summary>
    static List<string> ReadTablesV4(DwarfCursor c, string? compilationDirectory)
    {
        var directories = new List<string> { compilationDirectory ?? "" };
        while (!c.AtEnd)
        {
            var directory = c.CString();
            if (directory.Length == 0)
                break;
            directories.Add(directory);
        }
        var files = new List<string> { "" }; // file numbers start at 1
        while (!c.AtEnd)
        {
            var name = c.CString();
            if (name.Length == 0)
                break;
            var directoryIndex = c.Uleb128();
            c.Uleb128(); // modification time
            c.Uleb128(); // length
            files.Add(SourcePaths.Join(compilationDirectory,
                directoryIndex < (ulong)directories.Count ? directories[(int)directoryIndex] : null, name));
        }
        return files;
    }

    static List<string> ReadTablesV5(DwarfCursor c, FormEncoding encoding, DwarfStrings strings)
    {
        var directories = ReadEntries(c, encoding, strings, "directory")
            .Select(e => e.Path ?? "")
            .ToList();
        var compilationDirectory = directories.Count > 0 ? directories[0] : null;
        return [.. ReadEntries(c, encoding, strings, "file").Select(e => SourcePaths.Join(
            compilationDirectory,
            e.Directory < (ulong)directories.Count ? directories[(int)e.Directory] : null,
            e.Path ?? "?"))];
    }

    /// <summary>An entry format (pairs of content type and form), then a count of entries in that format.</summary>
    static List<(string? Path, ulong Directory)> ReadEntries(DwarfCursor c, FormEncoding encoding, DwarfStrings strings, string what)
    {
        var formatCount = c.U8();
        var format = new (ulong Content, ulong Form)[formatCount];
        for (var i = 0; i < formatCount; i++)
            format[i] = (c.Uleb128(), c.Uleb128());
        var count = c.Uleb128();
        // Every entry takes at least one byte unless its format is empty, which says nothing.
        if (count > (ulong)c.Remaining || (formatCount == 0 && count > 0))
            throw new DwarfFormatException($"line table claims {count} {what} entries in {c.Remaining} bytes");
        var entries = new List<(string?, ulong)>((int)count);
        for (ulong n = 0; n < count; n++)
        {
            string? path = null;
            ulong directory = 0;
            foreach (var (content, form) in format)
            {
                var value = FormReader.Read(c, form, encoding, strings);
                if (content == DwLine.ContentPath)
                    path = value.Text;
                else if (content == DwLine.ContentDirectoryIndex)
                    directory = value.Number;
            }
            entries.Add((path, directory));
        }
        return entries;
    }
}
