using System.Text;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Frames;

namespace Zhuque.Interpose.Core;

/// <summary>Bytes a core holds at Address: in a region's contents (a patch), or as a segment of their own (an addition).</summary>
public sealed record CoreBytes(ulong Address, byte[] Bytes);

/// <summary>
/// musl's dynamic linker names itself in the link map gdb walks (its
/// static struct dso ldso, l_name at +8) by the program's PT_INTERP,
/// /lib/ld-musl-x86_64.so.1; under Zhuque the file that ran is Zhuque's
/// libc.so, whose copy the image maps. gdb would load the system's musl
/// and show wrong functions, so the core names the file that ran: its
/// path goes in a page of its own past the last region, and ldso's name
/// pointer in the core, only there, points at it. The image is not written.
/// </summary>
public static class InterpreterName
{
    const ulong NameOffset = 8; // struct dso: base, then name

    /// <summary>The addition and the patch; none when libc.so has no symbol ldso or its name cannot be read.</summary>
    public static (CoreBytes Addition, CoreBytes Patch)? For(string libc, ulong bias, ulong freeAddress, ImageMemory memory)
    {
        ElfSymbol? ldso;
        try
        {
            ldso = ElfSymbolTable.Read(libc).Symbols.FirstOrDefault(s => s.Name == "ldso" && s.IsDefined && s.Type == ElfSymbol.SttObject);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ElfFormatException)
        {
            return null;
        }
        if (ldso is null)
            return null;
        var field = bias + ldso.Value + NameOffset;
        try
        {
            _ = memory.Read<ulong>(field); // image memory: the core has its contents to patch
        }
        catch (Exception e) when (e is ImageMemoryException or IOException)
        {
            return null;
        }
        var name = Encoding.UTF8.GetBytes(libc + "\0");
        return (new CoreBytes(freeAddress, name), new CoreBytes(field, BitConverter.GetBytes(freeAddress)));
    }
}
