namespace Zhuque.Interpose.Elf;

/// <summary>One entry of .symtab with its name; Type and Binding are st_info's halves (STT_*, STB_*).</summary>
public sealed record ElfSymbol(string Name, ulong Value, ulong Size, byte Type, byte Binding, ushort SectionIndex)
{
    public const byte SttObject = 1; // STT_OBJECT
    public const byte SttFunc = 2;   // STT_FUNC
    public const byte SttFile = 4;   // STT_FILE
    public const byte StbLocal = 0;  // STB_LOCAL

    public bool IsDefined => SectionIndex != 0; // SHN_UNDEF
}

/// <summary>
/// Every symbol of an ELF file's .symtab, in the table's order (ElfReader
/// reads it with ELFSharp; a stripped file has none, or only .dynsym's).
/// The order matters: the linker keeps each object file's local symbols
/// after the STT_FILE symbol naming its source, so a static variable is
/// found by its file and name (LocalObjects).
/// </summary>
public sealed class ElfSymbolTable
{
    ElfSymbolTable(ElfFile elf) => Elf = elf;

    /// <summary>The file the table was read from (its sections say where each symbol lies).</summary>
    public ElfFile Elf { get; }

    public IReadOnlyList<ElfSymbol> Symbols => Elf.Symbols;

    /// <summary>Only .dynsym is left (the file was stripped): exported names, no local ones.</summary>
    public bool IsDynamicOnly => Elf.SymbolSection == ".dynsym";

    /// <exception cref="ElfFormatException">not an ELF file, or its tables run past its end</exception>
    public static ElfSymbolTable Read(string path) => new(ElfReader.Read(path));

    /// <summary>The symbols of a file already read.</summary>
    public static ElfSymbolTable From(ElfFile elf) => new(elf);

    /// <summary>
    /// For each STT_FILE symbol named file (several object files may share a
    /// source name: musl has its own signal.c), the defined local
    /// STT_OBJECT symbols that follow it up to the next STT_FILE.
    /// </summary>
    public IEnumerable<IReadOnlyList<ElfSymbol>> LocalObjects(string file)
    {
        var symbols = Elf.Symbols;
        for (var i = 0; i < symbols.Count; i++)
        {
            if (symbols[i].Type != ElfSymbol.SttFile || symbols[i].Name != file)
                continue;
            var objects = new List<ElfSymbol>();
            for (var j = i + 1; j < symbols.Count && symbols[j].Type != ElfSymbol.SttFile; j++)
            {
                var s = symbols[j];
                if (s.Type == ElfSymbol.SttObject && s.Binding == ElfSymbol.StbLocal && s.IsDefined)
                    objects.Add(s);
            }
            yield return objects;
        }
    }
}
