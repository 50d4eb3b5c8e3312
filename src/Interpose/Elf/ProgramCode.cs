namespace Zhuque.Interpose.Elf;

/// <summary>
/// The executable code of a static, non-PIE program, read from its file:
/// each executable PT_LOAD segment's bytes at its virtual address, so that
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
    public static ProgramCode Read(string path, ElfFile elf)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
        var length = (ulong)RandomAccess.GetLength(handle);
        var segments = new List<(ulong, byte[])>();
        ulong total = 0;
        foreach (var p in elf.ProgramHeaders)
        {
            if (p.Type != ElfConstants.PtLoad || (p.Flags & ElfConstants.PfX) == 0 || p.FileSize == 0)
                continue;
            total += p.FileSize;
            if (p.FileSize > MaxCodeBytes || total > MaxCodeBytes)
                throw new ElfFormatException($"code segments of more than {MaxCodeBytes} bytes");
            if (p.Offset > length || p.FileSize > length - p.Offset || p.VAddr > ulong.MaxValue - p.FileSize)
                throw new ElfFormatException("truncated ELF file (code segment beyond the end)");
            var bytes = new byte[p.FileSize];
            var done = 0;
            while (done < bytes.Length)
            {
                var n = RandomAccess.Read(handle, bytes.AsSpan(done), (long)p.Offset + done);
                if (n == 0)
                    throw new ElfFormatException("truncated ELF file (code segment)");
                done += n;
            }
            segments.Add((p.VAddr, bytes));
        }
        return new ProgramCode([.. segments.OrderBy(s => s.Item1)]);
    }

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
