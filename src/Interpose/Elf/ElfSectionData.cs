using System.Buffers.Binary;
using System.IO.Compression;

namespace Zhuque.Interpose.Elf;

/// <summary>
/// The contents of an ELF file's sections by name (.debug_line, .eh_frame),
/// read with pread and checked against the file's length (FileBytes says
/// why not with ELFSharp). A section
/// compressed with zlib (SHF_COMPRESSED, as `gcc -gz` writes) is inflated;
/// any other compression is refused (ELFSharp does not inflate). Sizes are capped, because the header
/// of a damaged file could ask for anything.
/// </summary>
public sealed class ElfSectionData(string path, ElfFile elf)
{
    const uint ShtNobits = 8;              // SHT_NOBITS
    const ulong ShfCompressed = 0x800;     // SHF_COMPRESSED
    const uint ElfCompressZlib = 1;        // ELFCOMPRESS_ZLIB
    const int ChdrSize = 24;               // sizeof(Elf64_Chdr)
    const ulong MaxSectionBytes = 1UL << 30;

    public ElfFile Elf => elf;

    public ElfSection? Find(string name) => elf.Sections.FirstOrDefault(s => s.Name == name);

    /// <summary>The bytes of the named section, or null when the file has no such section.</summary>
    /// <exception cref="ElfFormatException">the section lies past the end of the file, or cannot be inflated</exception>
    public byte[]? Read(string name) => Find(name) is { } section ? Read(section) : null;

    public byte[] Read(ElfSection section)
    {
        if (section.Type == ShtNobits || section.Size == 0)
            return [];
        if (section.Size > MaxSectionBytes)
            throw new ElfFormatException($"section {section.Name} of {section.Size} bytes is too large");
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var bytes = FileBytes.Read(handle, section.Offset, section.Size, $"section {section.Name}");
        return (section.Flags & ShfCompressed) != 0 ? Inflate(section.Name, bytes) : bytes;
    }

    /// <summary>An Elf64_Chdr (ch_type, ch_reserved, ch_size, ch_addralign) followed by a zlib stream.</summary>
    static byte[] Inflate(string name, byte[] compressed)
    {
        if (compressed.Length < ChdrSize)
            throw new ElfFormatException($"section {name}: truncated compression header");
        var type = BinaryPrimitives.ReadUInt32LittleEndian(compressed);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(compressed.AsSpan(8));
        if (type != ElfCompressZlib)
            throw new ElfFormatException($"section {name}: compression type {type} is not zlib");
        if (size > MaxSectionBytes)
            throw new ElfFormatException($"section {name} inflates to {size} bytes, too large");
        var result = new byte[size];
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed, ChdrSize, compressed.Length - ChdrSize), CompressionMode.Decompress);
            zlib.ReadExactly(result);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new ElfFormatException($"section {name}: {e.Message}");
        }
        return result;
    }
}
