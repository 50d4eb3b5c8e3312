namespace Zhuque.Interpose.Elf;

/// <summary>
/// The executable code of a program or shared library, read from its file:
/// each executable PT_LOAD segment's bytes at its virtual address plus the
/// load bias (0 for an ET_EXEC program; the base an ET_DYN one was loaded
/// at), so that
/// the instructions at an address can be read without the process. Bytes a
/// segment has in memory but not in the file (p_memsz beyond p_filesz) are
/// not code.
/// </summary>
public sealed class ProgramCode
{
    const ulong MaxCodeBytes = 1UL << 30;

    readonly (ulong Address, byte[] Bytes)[] _segments;

    ProgramCode((ulong, byte[])[] segments) => _segments = segments;

    /// <exception cref="ElfFormatException">a segment lies past the end of the file, or is too large</exception>
    public static ProgramCode Read(string path, ElfFile elf, ulong loadBias = 0)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var segments = new List<(ulong, byte[])>();
        ulong total = 0;
        foreach (var p in elf.ProgramHeaders)
        {
            if (p.Type != ElfConstants.PtLoad || (p.Flags & ElfConstants.PfX) == 0 || p.FileSize == 0)
                continue;
            total += p.FileSize;
            if (p.FileSize > MaxCodeBytes || total > MaxCodeBytes)
                throw new ElfFormatException($"code segments of more than {MaxCodeBytes} bytes");
            var address = p.VAddr + loadBias;
            if (address < p.VAddr || address > ulong.MaxValue - p.FileSize)
                throw new ElfFormatException("code segment beyond the end of the address space");
            segments.Add((address, FileBytes.Read(handle, p.Offset, p.FileSize, "code segment")));
        }
        return new ProgramCode([.. segments.OrderBy(s => s.Item1)]);
    }

    /// <summary>The code of several objects loaded side by side (a program and its shared objects).</summary>
    public static ProgramCode Combine(IEnumerable<ProgramCode?> parts) =>
        new([.. parts.OfType<ProgramCode>().SelectMany(p => p._segments).OrderBy(s => s.Address)]);

    public bool Contains(ulong address) => Segment(address) >= 0;

    /// <summary>The code from address to the end of its segment (empty when address is not code).</summary>
    public ReadOnlyMemory<byte> From(ulong address)
    {
        var i = Segment(address);
        if (i < 0)
            return ReadOnlyMemory<byte>.Empty;
        var (start, bytes) = _segments[i];
        return bytes.AsMemory((int)(address - start));
    }

    int Segment(ulong address)
    {
        for (var i = 0; i < _segments.Length; i++)
        {
            var (start, bytes) = _segments[i];
            if (address >= start && address - start < (ulong)bytes.Length)
                return i;
        }
        return -1;
    }
}
