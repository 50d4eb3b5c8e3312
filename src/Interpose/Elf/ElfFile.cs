namespace Zhuque.Interpose.Elf;

/// <summary>One section header: its name from .shstrtab, sh_type, sh_flags, sh_addr, sh_offset, sh_size.</summary>
public sealed record ElfSection(string Name, uint Type, ulong Flags, ulong Addr, ulong Offset, ulong Size);

/// <summary>
/// What ElfReader found: e_type, e_machine, e_entry, every program header,
/// every section, the PT_INTERP string, and the symbols of .symtab, or of
/// .dynsym when the file was stripped (a dynamically linked file keeps that
/// one): SymbolSection names which, null when there is neither.
/// Addresses are the file's own: for an ET_DYN file (a PIE program, a shared
/// library) they are relative to the load bias the kernel or the dynamic
/// linker chose, which the readers of symbols and code take as a parameter.
/// </summary>
public sealed record ElfFile(
    ushort Type,
    ushort Machine,
    ulong Entry,
    IReadOnlyList<Elf64Phdr> ProgramHeaders,
    IReadOnlyList<ElfSection> Sections,
    string? Interpreter,
    IReadOnlyList<ElfSymbol> Symbols,
    string? SymbolSection)
{
    public bool IsDynamicallyLinked => Interpreter is not null;

    /// <summary>ET_DYN: loaded at a bias chosen at run time, and its addresses are relative to it.</summary>
    public bool IsPositionIndependent => Type == ElfConstants.EtDyn;
}
