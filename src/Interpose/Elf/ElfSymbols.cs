namespace Zhuque.Interpose.Elf;

/// <summary>A function of the program's symbol table: [Address, Address + Size).</summary>
public sealed record ElfFunction(string Name, ulong Address, ulong Size);

/// <summary>
/// The functions (STT_FUNC, defined) of an ELF file's .symtab, sorted by
/// address, and the lookup of the function containing an address
/// ("name+0x1f"). A stripped program has none. ElfSymbolTable reads them.
/// </summary>
public sealed class ElfSymbols
{
    readonly ElfFunction[] _functions;

    ElfSymbols(ElfFunction[] functions) => _functions = functions;

    public IReadOnlyList<ElfFunction> Functions => _functions;

    public static ElfSymbols Read(string path) => From(ElfSymbolTable.Read(path));

    /// <summary>The functions of a symbol table already read.</summary>
    public static ElfSymbols From(ElfSymbolTable table) => new([.. table.Symbols
        .Where(s => s.Type == ElfSymbol.SttFunc && s.IsDefined && s.Value != 0)
        .Select(s => new ElfFunction(s.Name, s.Value, s.Size))
        .OrderBy(f => f.Address)
        .ThenByDescending(f => f.Size)]);

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
}
