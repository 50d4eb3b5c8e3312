using System.Buffers.Binary;
using System.Text;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;

namespace Zhuque.Interpose.Elf;

/// <summary>
/// Reads a 64-bit little-endian ELF file with ELFSharp: header, program
/// headers, sections with names, the PT_INTERP string and the symbol table.
/// The launcher runs it on whatever path the user names, so a few checks
/// come first, by hand, on the 64-byte file header: ELFSharp also reads
/// 32-bit and big-endian files (which the launcher refuses with its own
/// words), and it takes a file without section headers (e_shoff 0, as
/// sstrip leaves it) for one with more than 0xff00 of them. Whatever
/// ELFSharp throws on a damaged file becomes an ElfFormatException.
/// </summary>
public static class ElfReader
{
    const int HeaderSize = 64;          // sizeof(Elf64_Ehdr)
    const int PhdrSize = 56;            // sizeof(Elf64_Phdr)
    const int ShdrSize = 64;            // sizeof(Elf64_Shdr)
    const int MaxInterpreterLength = 4096;

    /// <exception cref="ElfFormatException">not an ELF file this reader understands, or damaged</exception>
    public static ElfFile Read(string path)
    {
        using var file = File.OpenRead(path);
        var header = ReadHeader(file);
        try
        {
            using var elf = ELFReader.Load<ulong>(header.ShOff == 0 ? WithoutSections(file, header) : file, false);
            var segments = elf.Segments.Select(Phdr).ToArray();
            var sections = header.ShOff == 0 ? [] : elf.Sections.Select(Section).ToArray();
            var symbols = FindSymbolTable(elf);
            return new ElfFile((ushort)elf.Type, (ushort)elf.Machine, elf.EntryPoint, segments, sections,
                Interpreter(file, segments), symbols is null ? [] : Symbols(symbols), symbols?.Name);
        }
        catch (EndOfStreamException)
        {
            throw new ElfFormatException("truncated ELF file (a table runs past the end)");
        }
        catch (IOException e)
        {
            // ELFSharp takes offsets as signed: one past 2^63 is a seek before the start (EINVAL).
            throw new ElfFormatException($"damaged ELF file ({e.Message})");
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException
                                      or KeyNotFoundException or OverflowException or InvalidCastException or OutOfMemoryException)
        {
            throw new ElfFormatException($"damaged ELF file ({e.Message})");
        }
    }

    readonly record struct Header(ulong PhOff, ushort PhNum, ulong ShOff);

    static Header ReadHeader(FileStream file)
    {
        Span<byte> h = stackalloc byte[HeaderSize];
        var n = file.ReadAtLeast(h, HeaderSize, throwOnEndOfStream: false);
        file.Position = 0;
        if (n < 16 || !h[..4].SequenceEqual("\u007fELF"u8))
            throw new ElfFormatException("not an ELF file");
        if (h[4] == ElfConstants.ElfClass32)
            throw new ElfFormatException("32-bit ELF file");
        if (h[4] != ElfConstants.ElfClass64)
            throw new ElfFormatException($"ELF file of unknown class {h[4]}");
        if (h[5] != ElfConstants.ElfData2Lsb)
            throw new ElfFormatException("big-endian ELF file");
        if (n < HeaderSize)
            throw new ElfFormatException("truncated ELF header");
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(h[54..]);
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(h[56..]);
        var shentsize = BinaryPrimitives.ReadUInt16LittleEndian(h[58..]);
        var shoff = BinaryPrimitives.ReadUInt64LittleEndian(h[40..]);
        if (phnum != 0 && phentsize != PhdrSize)
            throw new ElfFormatException($"program header entry size {phentsize}");
        if (shoff != 0 && shentsize != ShdrSize)
            throw new ElfFormatException($"section header entry size {shentsize}");
        return new Header(BinaryPrimitives.ReadUInt64LittleEndian(h[32..]), phnum, shoff);
    }

    /// <summary>
    /// The file's headers up to the end of its program header table, in
    /// memory, with e_shnum 1 at offset 0: ELFSharp then reads one dummy
    /// section instead of taking the file header's bytes for a count.
    /// </summary>
    static MemoryStream WithoutSections(FileStream file, Header header)
    {
        var end = header.PhOff + (ulong)header.PhNum * PhdrSize;
        if (header.PhOff > (ulong)file.Length || end > (ulong)file.Length)
            throw new ElfFormatException("truncated ELF file (program header beyond the end)");
        var bytes = new byte[Math.Max(end, HeaderSize)];
        file.ReadExactly(bytes);
        file.Position = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(58), ShdrSize); // e_shentsize
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(60), 1);        // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(62), 0);        // e_shstrndx
        return new MemoryStream(bytes, writable: false);
    }

    static Elf64Phdr Phdr(Segment<ulong> s) => new()
    {
        Type = (uint)s.Type,
        Flags = (uint)s.Flags,
        Offset = (ulong)s.Offset,
        VAddr = s.Address,
        PAddr = s.PhysicalAddress,
        FileSize = (ulong)s.FileSize,
        MemSize = s.Size,
        Align = s.Alignment,
    };

    static ElfSection Section(Section<ulong> s) =>
        new(s.Name ?? "", (uint)s.Type, s.RawFlags, s.LoadAddress, s.Offset, s.Size);

    static string? Interpreter(FileStream file, Elf64Phdr[] segments)
    {
        var interp = segments.FirstOrDefault(p => p.Type == ElfConstants.PtInterp);
        if (interp.Type != ElfConstants.PtInterp)
            return null;
        if (interp.FileSize > MaxInterpreterLength)
            throw new ElfFormatException($"PT_INTERP of {interp.FileSize} bytes");
        var bytes = FileBytes.Read(file.SafeFileHandle, interp.Offset, interp.FileSize, "PT_INTERP");
        var end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }

    /// <summary>.symtab; else .dynsym (a stripped shared library keeps only that one); else null.</summary>
    static SymbolTable<ulong>? FindSymbolTable(ELF<ulong> elf)
    {
        var tables = elf.GetSections<SymbolTable<ulong>>().ToList();
        return tables.FirstOrDefault(t => t.Type == SectionType.SymbolTable)
            ?? tables.FirstOrDefault(t => t.Type == SectionType.DynamicSymbolTable);
    }

    /// <summary>The table's entries in its order.</summary>
    static ElfSymbol[] Symbols(SymbolTable<ulong> table) =>
        [.. table.Entries.Select(s => new ElfSymbol(s.Name, s.Value, s.Size, (byte)s.Type, (byte)s.Binding, s.PointedSectionIndex))];
}
