namespace Zhuque.Interpose.Elf;

/// <summary>An ELF file where it was loaded: its path and load bias (0 for an ET_EXEC program).</summary>
public sealed record LoadedObject(string Path, ulong LoadBias);

/// <summary>A function of one of the loaded objects, at the address where it runs.</summary>
public sealed record LoadedFunction(LoadedObject Object, ElfFunction Function);

/// <summary>
/// The functions of every object of a process (the program, libc.so, its
/// libraries), each at its load bias, and the lookup of the one whose
/// PT_LOAD segments hold an address: what a backtrace that crosses shared
/// objects names its frames by. An object that cannot be read (gone, not
/// ELF, damaged) is left out, as ProgramDebugInfo leaves out what it cannot read.
/// </summary>
public sealed class LoadedSymbols
{
    readonly (LoadedObject Object, (ulong Start, ulong End)[] Segments, ElfSymbols Symbols)[] _objects;

    LoadedSymbols((LoadedObject, (ulong, ulong)[], ElfSymbols)[] objects) => _objects = objects;

    public IReadOnlyList<LoadedObject> Objects => [.. _objects.Select(o => o.Object)];

    public static LoadedSymbols Read(IEnumerable<LoadedObject> objects)
    {
        var read = new List<(LoadedObject, (ulong, ulong)[], ElfSymbols)>();
        var code = new List<ProgramCode>();
        foreach (var o in objects)
        {
            try
            {
                var elf = ElfReader.Read(o.Path);
                if (!elf.IsPositionIndependent && o.LoadBias != 0)
                    throw new ArgumentException($"{o.Path}: an ET_EXEC file is loaded at its own addresses, not at a bias", nameof(objects));
                var segments = elf.ProgramHeaders
                    .Where(p => p.Type == ElfConstants.PtLoad && p.MemSize > 0)
                    .Select(p => (p.VAddr + o.LoadBias, p.VAddr + o.LoadBias + p.MemSize))
                    .ToArray();
                var symbols = ElfSymbols.From(ElfSymbolTable.From(elf), o.LoadBias);
                code.Add(ProgramCode.Read(o.Path, elf, o.LoadBias));
                read.Add((o, segments, symbols));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfFormatException)
            {
                // Left out: its frames stay unnamed, the others are still named.
            }
        }
        return new LoadedSymbols([.. read]) { Code = ProgramCode.Combine(code) };
    }

    /// <summary>The functions of every object, for an unwinder that crosses them.</summary>
    public ElfSymbols Symbols => ElfSymbols.Combine(_objects.Select(o => o.Symbols));

    /// <summary>The code of every object, at its load bias.</summary>
    public ProgramCode Code { get; private init; } = ProgramCode.Combine([]);

    /// <summary>The function holding the address, in the object whose segments hold it; or null.</summary>
    public LoadedFunction? Containing(ulong address)
    {
        foreach (var (o, segments, symbols) in _objects)
        {
            if (!segments.Any(s => address >= s.Start && address < s.End))
                continue;
            return symbols.Containing(address) is { } f ? new LoadedFunction(o, f) : null;
        }
        return null;
    }

    /// <summary>"name+0x1f in libc.so" for an address inside a function, or null.</summary>
    public string? Describe(ulong address) => Containing(address) is { } f
        ? $"{f.Function.Name}+0x{address - f.Function.Address:x} in {Path.GetFileName(f.Object.Path)}"
        : null;
}
