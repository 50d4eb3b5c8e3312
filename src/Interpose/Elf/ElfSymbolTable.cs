using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

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
/// Every symbol of an ELF file's .symtab, in the table's order (a stripped
/// file has none). The order matters: the linker keeps each object file's
/// local symbols after the STT_FILE symbol naming its source, so a static
/// variable is found by its file and name (LocalObjects). Reads with pread
/// and checks the table and its string table against the file's length.
/// </summary>
public sealed class ElfSymbolTable
{
    const int MaxSymbols = 1 << 22;

    readonly ElfSymbol[] _symbols;

    ElfSymbolTable(ElfFile elf, ElfSymbol[] symbols)
    {
        Elf = elf;
        _symbols = symbols;
    }

    /// <summary>The file the table was read from (its sections say where each symbol lies).</summary>
    public ElfFile Elf { get; }

    public IReadOnlyList<ElfSymbol> Symbols => _symbols;

    /// <exception cref="ElfFormatException">not an ELF file, or its tables run past its end</exception>
    public static ElfSymbolTable Read(string path)
    {
        var elf = ElfReader.Read(path);
        var symtab = elf.Sections.FirstOrDefault(s => s.Name == ".symtab" && s.Header.Type == 2 /* SHT_SYMTAB */);
        if (symtab is null || symtab.Header.Link >= elf.Sections.Count)
            return new ElfSymbolTable(elf, []);
        var strtab = elf.Sections[(int)symtab.Header.Link].Header;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var length = (ulong)RandomAccess.GetLength(handle);
        var entry = (ulong)Unsafe.SizeOf<Elf64Sym>();
        var count = symtab.Header.Size / entry;
        if (symtab.Header.Offset > length || count > (length - symtab.Header.Offset) / entry || count > MaxSymbols)
            throw new ElfFormatException("truncated ELF file (.symtab beyond the end)");
        if (strtab.Offset > length || strtab.Size > length - strtab.Offset || strtab.Size > int.MaxValue)
            throw new ElfFormatException("truncated ELF file (.strtab beyond the end)");
        var raw = new Elf64Sym[count];
        Read(handle, MemoryMarshal.AsBytes(raw.AsSpan()), (long)symtab.Header.Offset);
        var names = new byte[strtab.Size];
        Read(handle, names, (long)strtab.Offset);
        return new ElfSymbolTable(elf, [.. raw.Select(s => new ElfSymbol(
            ElfReader.NameAt(names, s.Name), s.Value, s.Size, (byte)(s.Info & 0xf), (byte)(s.Info >> 4), s.Shndx))]);
    }

    /// <summary>
    /// For each STT_FILE symbol named file (several object files may share a
    /// source name: musl has its own signal.c), the defined local
    /// STT_OBJECT symbols that follow it up to the next STT_FILE.
    /// </summary>
    public IEnumerable<IReadOnlyList<ElfSymbol>> LocalObjects(string file)
    {
        for (var i = 0; i < _symbols.Length; i++)
        {
            if (_symbols[i].Type != ElfSymbol.SttFile || _symbols[i].Name != file)
                continue;
            var objects = new List<ElfSymbol>();
            for (var j = i + 1; j < _symbols.Length && _symbols[j].Type != ElfSymbol.SttFile; j++)
            {
                var s = _symbols[j];
                if (s.Type == ElfSymbol.SttObject && s.Binding == ElfSymbol.StbLocal && s.IsDefined)
                    objects.Add(s);
            }
            yield return objects;
        }
    }

    static void Read(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var n = RandomAccess.Read(handle, buffer, offset);
            if (n == 0)
                throw new ElfFormatException("truncated ELF file (symbols)");
            buffer = buffer[n..];
            offset += n;
        }
    }
}
