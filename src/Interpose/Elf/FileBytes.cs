using Microsoft.Win32.SafeHandles;

namespace Zhuque.Interpose.Elf;

/// <summary>
/// pread of a part of a file that a header names, checked against the
/// file's length before anything is allocated. Section and segment bytes
/// are read here rather than with ELFSharp's GetContents: that one needs
/// the file kept open for as long as the ElfFile lives, and it allocates
/// whatever size a damaged header asks for before it finds the end.
/// </summary>
static class FileBytes
{
    public static byte[] Read(SafeFileHandle handle, ulong offset, ulong size, string what)
    {
        var length = (ulong)RandomAccess.GetLength(handle);
        if (offset > length || size > length - offset || size > int.MaxValue)
            throw new ElfFormatException($"truncated ELF file ({what} beyond the end)");
        var bytes = new byte[size];
        var done = 0;
        while (done < bytes.Length)
        {
            var n = RandomAccess.Read(handle, bytes.AsSpan(done), (long)offset + done);
            if (n == 0)
                throw new ElfFormatException($"truncated ELF file ({what})");
            done += n;
        }
        return bytes;
    }
}
