namespace Zhuque.Interpose.Elf;

/// <summary>One section header with its name resolved from .shstrtab.</summary>
public sealed record ElfSection(string Name, Elf64Shdr Header);

/// <summary>What ElfReader found: the file header, every program header, every section.</summary>
public sealed record ElfFile(
    Elf64Ehdr Header,
    IReadOnlyList<Elf64Phdr> ProgramHeaders,
    IReadOnlyList<ElfSection> Sections,
    string? Interpreter)
{
    public ushort Type => Header.Type;
    public ushort Machine => Header.Machine;
    public ulong Entry => Header.Entry;
    public bool IsDynamicallyLinked => Interpreter is not null;
}
