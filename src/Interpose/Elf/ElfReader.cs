using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Zhuque.Interpose.Elf;

/// <summary>
/// A small reader for 64-bit little-endian ELF files: header, program
/// headers, section headers with names, and the PT_INTERP string. It reads
/// with pread and checks every table against the file's length, because the
/// launcher runs it on whatever path the user names.
/// </summary>
public static class ElfReader
{
    const int MaxInterpreterLength = 4096;

    public static ElfFile Read(string path)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        return Read(new FileSource(handle));
    }

    static ElfFile Read(FileSource file)
    {
        var header = ReadHeader(file);
        var phdrs = ReadTable<Elf64Phdr>(file, header.PhOff, header.PhNum, header.PhEntSize, "program header");
        var sections = ReadSections(file, header);
        return new ElfFile(header, phdrs, sections, ReadInterpreter(file, phdrs));
    }

    static unsafe Elf64Ehdr ReadHeader(FileSource file)
    {
        Span<byte> ident = stackalloc byte[16];
        if (file.Length < 16 || file.Read(ident, 0) < 16 || !ident[..4].SequenceEqual("\u007fELF"u8))
            throw new ElfFormatException("not an ELF file");
        if (ident[4] == ElfConstants.ElfClass32)
            throw new ElfFormatException("32-bit ELF file");
        if (ident[4] != ElfConstants.ElfClass64)
            throw new ElfFormatException($"ELF file of unknown class {ident[4]}");
        if (ident[5] != ElfConstants.ElfData2Lsb)
            throw new ElfFormatException("big-endian ELF file");
        if (file.Length < Unsafe.SizeOf<Elf64Ehdr>())
            throw new ElfFormatException("truncated ELF header");
        var header = file.ReadStruct<Elf64Ehdr>(0);
        if (header.PhNum != 0 && header.PhEntSize != Unsafe.SizeOf<Elf64Phdr>())
            throw new ElfFormatException($"program header entry size {header.PhEntSize}");
        return header;
    }

    static IReadOnlyList<ElfSection> ReadSections(FileSource file, Elf64Ehdr header)
    {
        if (header.ShOff == 0)
            return [];
        if (header.ShEntSize != Unsafe.SizeOf<Elf64Shdr>())
            throw new ElfFormatException($"section header entry size {header.ShEntSize}");
        // With 0xff00 or more sections, e_shnum is 0 and e_shstrndx SHN_XINDEX:
        // the real values are in section 0.
        var first = file.ReadStruct<Elf64Shdr>(Checked(header.ShOff, 0, Unsafe.SizeOf<Elf64Shdr>(), file, "section header"));
        var count = header.ShNum == 0 ? first.Size : header.ShNum;
        var strndx = header.ShStrNdx == ElfConstants.ShnXindex ? first.Link : header.ShStrNdx;
        var shdrs = ReadTable<Elf64Shdr>(file, header.ShOff, count, header.ShEntSize, "section header");
        byte[] names = [];
        if (strndx != 0 && strndx < (ulong)shdrs.Length)
        {
            var s = shdrs[(int)strndx];
            names = file.ReadBytes(Checked(s.Offset, s.Size, 1, file, "section name table"), (int)s.Size);
        }
        return [.. shdrs.Select(s => new ElfSection(NameAt(names, s.Name), s))];
    }

    static string? ReadInterpreter(FileSource file, IReadOnlyList<Elf64Phdr> phdrs)
    {
        foreach (var p in phdrs)
        {
            if (p.Type != ElfConstants.PtInterp)
                continue;
            var size = (int)Math.Min(p.FileSize, MaxInterpreterLength);
            var bytes = file.ReadBytes(Checked(p.Offset, (ulong)size, 1, file, "PT_INTERP"), size);
            var end = Array.IndexOf(bytes, (byte)0);
            return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
        }
        return null;
    }

    static T[] ReadTable<T>(FileSource file, ulong offset, ulong count, int entSize, string what) where T : unmanaged
    {
        if (count == 0)
            return [];
        var start = Checked(offset, count, entSize, file, what);
        var table = new T[count];
        file.ReadExactly(MemoryMarshal.AsBytes(table.AsSpan()), start, what);
        return table;
    }

    /// <summary>Offset of a table of count entries, after checking it lies inside the file.</summary>
    static long Checked(ulong offset, ulong count, int entSize, FileSource file, string what)
    {
        var length = (ulong)file.Length;
        if (offset > length || count > (length - offset) / (ulong)entSize)
            throw new ElfFormatException($"truncated ELF file ({what} beyond the end)");
        return (long)offset;
    }

    /// <summary>The NUL-terminated name at offset of a string table (.shstrtab, .strtab).</summary>
    internal static string NameAt(byte[] table, uint offset)
    {
        if (offset >= table.Length)
            return "";
        var rest = table.AsSpan((int)offset);
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    /// <summary>pread over an open file, remembering its length.</summary>
    sealed class FileSource(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        public long Length { get; } = RandomAccess.GetLength(handle);

        public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(handle, buffer, offset);

        public void ReadExactly(Span<byte> buffer, long offset, string what)
        {
            while (!buffer.IsEmpty)
            {
                var n = RandomAccess.Read(handle, buffer, offset);
                if (n == 0)
                    throw new ElfFormatException($"truncated ELF file ({what})");
                buffer = buffer[n..];
                offset += n;
            }
        }

        public T ReadStruct<T>(long offset) where T : unmanaged
        {
            T value = default;
            ReadExactly(MemoryMarshal.AsBytes(new Span<T>(ref value)), offset, typeof(T).Name);
            return value;
        }

        public byte[] ReadBytes(long offset, int count)
        {
            var bytes = new byte[count];
            ReadExactly(bytes, offset, "bytes");
            return bytes;
        }
    }
}
