using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Image;

namespace Zhuque.Interpose.Core;

/// <summary>A PT_LOAD of the core: its region, and where its bytes go in the file (FileSize 0: none are there).</summary>
public sealed record CoreSegment(ZqRegion Region, ulong FileOffset, ulong FileSize);

/// <summary>
/// Where everything goes in a core file: the ELF header, the program
/// headers (PT_NOTE first, then a PT_LOAD per region, in address order),
/// the notes, then each region that has contents at a page-aligned offset of
/// its own, so that a region's holes stay holes of the core. A region has
/// contents when the image holds its bytes and it is readable; the program's
/// text and the files it mapped have none (gdb reads them from the files
/// named in NT_FILE, as it does a kernel core's), nor has PROT_NONE.
/// Additions (bytes no region holds, InterpreterName) each get a read-only
/// PT_LOAD after the regions', their bytes a page of the head each.
/// </summary>
public sealed record CoreLayout(byte[] Head, IReadOnlyList<CoreSegment> Segments, ulong Length)
{
    public static CoreLayout Plan(IReadOnlyList<ZqRegion> regions, byte[] notes, IReadOnlyList<CoreBytes>? additions = null)
    {
        additions ??= [];
        var ehSize = Unsafe.SizeOf<Elf64Ehdr>();
        var phSize = Unsafe.SizeOf<Elf64Phdr>();
        var phnum = regions.Count + additions.Count + 1;
        if (phnum >= 0xffff)
            throw new InvalidOperationException($"{regions.Count} regions: more than an ELF header can count (PN_XNUM)");
        var notesOffset = (ulong)(ehSize + (phSize * phnum));
        var additionsOffset = PageUp(notesOffset + (ulong)notes.Length);
        var cursor = additionsOffset + ((ulong)additions.Count * CoreConstants.PageSize);
        var segments = new List<CoreSegment>(regions.Count);
        foreach (var r in regions)
        {
            var size = HasContents(r) ? r.End - r.Start : 0;
            segments.Add(new CoreSegment(r, cursor, size));
            cursor += size;
        }
        var head = new byte[additionsOffset + ((ulong)additions.Count * CoreConstants.PageSize)];
        var ehdr = Header((ushort)phnum);
        MemoryMarshal.Write(head, in ehdr);
        var note = new Elf64Phdr { Type = CoreConstants.PtNote, Offset = notesOffset, FileSize = (ulong)notes.Length, Align = 4 };
        MemoryMarshal.Write(head.AsSpan(ehSize), in note);
        for (var i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            var load = new Elf64Phdr
            {
                Type = CoreConstants.PtLoad,
                Flags = Flags(s.Region.Prot),
                Offset = s.FileOffset,
                VAddr = s.Region.Start,
                FileSize = s.FileSize,
                MemSize = s.Region.End - s.Region.Start,
                Align = CoreConstants.PageSize,
            };
            MemoryMarshal.Write(head.AsSpan(ehSize + (phSize * (i + 1))), in load);
        }
        for (var i = 0; i < additions.Count; i++)
        {
            var a = additions[i];
            if (a.Bytes.Length > (int)CoreConstants.PageSize)
                throw new InvalidOperationException($"an addition of {a.Bytes.Length} bytes: more than a page");
            var offset = additionsOffset + ((ulong)i * CoreConstants.PageSize);
            a.Bytes.CopyTo(head, (int)offset);
            var load = new Elf64Phdr
            {
                Type = CoreConstants.PtLoad, Flags = CoreConstants.PfR, Offset = offset, VAddr = a.Address,
                FileSize = CoreConstants.PageSize, MemSize = CoreConstants.PageSize, Align = CoreConstants.PageSize,
            };
            MemoryMarshal.Write(head.AsSpan(ehSize + (phSize * (segments.Count + 1 + i))), in load);
        }
        notes.CopyTo(head, (int)notesOffset);
        return new CoreLayout(head, segments, cursor);
    }

    /// <summary>Where the byte at address is in the file, if a region's contents hold it.</summary>
    public long? FileOffsetOf(ulong address)
    {
        foreach (var s in Segments)
        {
            if (s.FileSize > 0 && address >= s.Region.Start && address < s.Region.Start + s.FileSize)
                return (long)(s.FileOffset + (address - s.Region.Start));
        }
        return null;
    }

    /// <summary>The first page past every region: where additions go.</summary>
    public static ulong FreeAddress(IReadOnlyList<ZqRegion> regions) =>
        regions.Count == 0 ? CoreConstants.PageSize : regions.Max(r => r.End);

    public static bool HasContents(ZqRegion r) =>
        (r.Prot & 1) != 0 && BackingFiles.RelativePath((ZqFile)r.File) is not null;

    static unsafe Elf64Ehdr Header(ushort phnum)
    {
        var h = new Elf64Ehdr
        {
            Type = CoreConstants.EtCore,
            Machine = CoreConstants.EmX86_64,
            Version = 1,
            PhOff = (ulong)Unsafe.SizeOf<Elf64Ehdr>(),
            EhSize = (ushort)Unsafe.SizeOf<Elf64Ehdr>(),
            PhEntSize = (ushort)Unsafe.SizeOf<Elf64Phdr>(),
            PhNum = phnum,
        };
        ReadOnlySpan<byte> ident = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2 /* ELFCLASS64 */, 1 /* ELFDATA2LSB */, 1 /* EV_CURRENT */, 0 /* ELFOSABI_NONE */];
        ident.CopyTo(new Span<byte>(h.Ident, 16));
        return h;
    }

    static uint Flags(uint prot) =>
        ((prot & 1) != 0 ? CoreConstants.PfR : 0) | ((prot & 2) != 0 ? CoreConstants.PfW : 0) | ((prot & 4) != 0 ? CoreConstants.PfX : 0);

    static ulong PageUp(ulong n) => (n + CoreConstants.PageSize - 1) & ~(CoreConstants.PageSize - 1);
}
