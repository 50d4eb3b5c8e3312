namespace Zhuque.Interpose.Elf;

/// <summary>A function of the program's symbol table: [Address, Address + Size).</summary>
public sealed record ElfFunction(string Name, ulong Address, ulong Size);

/// <summary>
/// The functions (STT_FUNC, defined) of an ELF file's .symtab, sorted by
/// address, and the lookup of the function containing an address
/// ("name+0x1f"). A stripped program has none. ElfSymbolTable reads the
/// table. A function
/// without a size (assembly without .size, such as musl's __clone or the
/// _start of crt1) reaches to the next function or the end of its
/// section: a thread stopped inside it, or a frame of it in a backtrace,
/// is still named. For the same reason a symbol without a type in a code
/// section counts as a function without a size (crt1's _start is one).
/// Addresses are where the code runs: the file's own plus the load bias
/// (0 for an ET_EXEC program; for a PIE program or a shared library, the
/// base it was loaded at).
/// </summary>
public sealed class ElfSymbols
{
    const byte SttNotype = 0;
    const ulong ShfExecinstr = 4; // SHF_EXECINSTR

    readonly ElfFunction[] _functions;
    readonly ulong[] _ends;

    ElfSymbols(ElfFunction[] functions, ulong[] ends)
    {
        _functions = functions;
        _ends = ends;
    }

    public IReadOnlyList<ElfFunction> Functions => _functions;

    public static ElfSymbols Read(string path, ulong loadBias = 0) => From(ElfSymbolTable.Read(path), loadBias);

    /// <summary>The functions of a symbol table already read, moved by the load bias.</summary>
    public static ElfSymbols From(ElfSymbolTable table, ulong loadBias = 0)
    {
        var elf = table.Elf;
        var functions = table.Symbols
            .Where(s => s.IsDefined && s.Value != 0 && (s.Type == ElfSymbol.SttFunc || (s.Type == SttNotype && InCode(elf, s))))
            .Select(s => (Function: new ElfFunction(s.Name, s.Value + loadBias, s.Size), SectionEnd: SectionEnd(elf, s) + loadBias))
            .OrderBy(f => f.Function.Address)
            .ThenByDescending(f => f.Function.Size)
            .ToArray();
        return new ElfSymbols([.. functions.Select(f => f.Function)], Ends(functions));
    }

    /// <summary>Where each function ends: by its size, else at the next function's start or its section's end.</summary>
    static ulong[] Ends((ElfFunction Function, ulong SectionEnd)[] sorted)
    {
        var ends = new ulong[sorted.Length];
        var next = ulong.MaxValue; // the start of the nearest function above, scanning down
        for (var i = sorted.Length - 1; i >= 0; i--)
        {
            var (f, sectionEnd) = sorted[i];
            if (f.Size > 0)
                ends[i] = f.Address + f.Size < f.Address ? ulong.MaxValue : f.Address + f.Size;
            else
                ends[i] = Math.Max(f.Address + 1, Math.Min(next, sectionEnd));
            if (i == 0 || sorted[i - 1].Function.Address < f.Address)
                next = f.Address;
        }
        return ends;
    }

    static bool InCode(ElfFile elf, ElfSymbol symbol) =>
        symbol.SectionIndex < elf.Sections.Count && symbol.SectionIndex < 0xff00 && (elf.Sections[symbol.SectionIndex].Flags & ShfExecinstr) != 0;

    /// <summary>The end of the section a symbol is defined in, as far as it holds the symbol; else just past the symbol.</summary>
    static ulong SectionEnd(ElfFile elf, ElfSymbol symbol)
    {
        if (symbol.SectionIndex < elf.Sections.Count && symbol.SectionIndex < 0xff00)
        {
            var h = elf.Sections[symbol.SectionIndex];
            if (symbol.Value >= h.Addr && symbol.Value - h.Addr < h.Size)
                return h.Addr + h.Size;
        }
        return symbol.Value + 1;
    }

    /// <summary>The function whose [start, end) holds the address, or null.</summary>
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
        // Several symbols may start at the same address (aliases): any that
        // covers it, one with a size first (a label without one is less sure).
        for (var pass = 0; pass < 2; pass++)
        {
            for (var i = found; i >= 0 && i > found - 8; i--)
            {
                if ((_functions[i].Size > 0) == (pass == 0) && address < _ends[i])
                    return _functions[i];
            }
        }
        return null;
    }

    /// <summary>The functions of several objects loaded side by side (a program and its shared objects).</summary>
    public static ElfSymbols Combine(IEnumerable<ElfSymbols?> parts)
    {
        var all = parts.OfType<ElfSymbols>()
            .SelectMany(p => p._functions.Zip(p._ends))
            .OrderBy(f => f.First.Address)
            .ThenByDescending(f => f.First.Size)
            .ToArray();
        return new ElfSymbols([.. all.Select(f => f.First)], [.. all.Select(f => f.Second)]);
    }

    /// <summary>"name+0x1f" for an address inside a function, or null.</summary>
    public string? Describe(ulong address) =>
        Containing(address) is { } f ? $"{f.Name}+0x{address - f.Address:x}" : null;
}
