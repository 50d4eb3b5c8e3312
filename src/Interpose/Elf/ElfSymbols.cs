using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Elf;

/// <summary>A function of the program's symbol table: [Address, Address + Size).</summary>
public sealed record ElfFunction(string Name, ulong Address, ulong Size);

/// <summary>
/// The functions (STT_FUNC, defined) of an ELF file's .symtab, sorted by
/// address, and the lookup of the function containing an address
/// ("name+0x1f"). A stripped program has none. Reads with pread and checks
/// the table and its string table against the file's length.
/// </summary>
public sealed class ElfSymbols
{
    const byte SttFunc = 2;
    const int MaxSymbols = 1 << 22;

    readonly ElfFunction[] _functions;

    ElfSymbols(ElfFunction[] functions) => _functions = functions;

    public IReadOnlyList<ElfFunction> Functions => _functions;

    public static ElfSymbols Read(string path)
    {
        var elf = ElfReader.Read(path);
        var symtab = elf.Sections.FirstOrDefault(s => s.Name == ".symtab" && s.Header.Type == 2 /* SHT_SYMTAB */);
        if (symtab is null || symtab.Header.Link >= elf.Sections.Count)
            return new ElfSymbols([]);
        var strtab = elf.Sections[(int)symtab.Header.Link].Header;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var length = (ulong)RandomAccess.GetLength(handle);
        var entry = (ulong)Unsafe.SizeOf<Elf64Sym>();
        var count = symtab.Header.Size / entry;
        if (symtab.Header.Offset > length || count > (length - symtab.Header.Offset) / entry || count > MaxSymbols)
            throw new ElfFormatException("truncated ELF file (.symtab beyond the end)");
        if (strtab.Offset > length || strtab.Size > length - strtab.Offset || strtab.Size > int.MaxValue)
            throw new ElfFormatException("truncated ELF file (.strtab beyond the end)");
        var symbols = new Elf64Sym[count];
        Read(handle, MemoryMarshal.AsBytes(symbols.AsSpan()), (long)symtab.Header.Offset);
        var names = new byte[strtab.Size];
        Read(handle, names, (long)strtab.Offset);
        var functions = symbols
            .Where(s => (s.Info & 0xf) == SttFunc && s.Shndx != 0 && s.Value != 0)
            .Select(s => new ElfFunction(ElfReader.NameAt(names, s.Name), s.Value, s.Size))
            .OrderBy(f => f.Address)
            .ThenByDescending(f => f.Size)
            .ToArray();
        return new ElfSymbols(functions);
    }

    /// <summary>The function whose [start, start+size) holds the address (a size-0 symbol only at its start), or null.</summary>
    public ElfFunction? Containing(ulong address)
    {
        int lo = 0, hi = _functions.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (_functions[mid].Address <= address)
            {
                found = mid;
                lo = mid + 1;
            }
            else
                hi = mid - 1;
        }
        // Several symbols may start at the same address (aliases): any that covers it.
        for (var i = found; i >= 0 && i > found - 8; i--)
        {
            var f = _functions[i];
            if (address < f.Address + Math.Max(f.Size, 1))
                return f;
        }
        return null;
    }

    /// <summary>"name+0x1f" for an address inside a function, or null.</summary>
    public string? Describe(ulong address) =>
        Containing(address) is { } f ? $"{f.Name}+0x{address - f.Address:x}" : null;

    static void Read(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset)
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
