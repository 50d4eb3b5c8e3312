using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Elf;

// The values ElfReader keeps from ELFSharp's objects, with the C field name beside each field.

/// <summary>One program header (ELFSharp's Segment), as plain values.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Elf64Phdr
{
    public uint Type;      // p_type
    public uint Flags;     // p_flags
    public ulong Offset;   // p_offset
    public ulong VAddr;    // p_vaddr
    public ulong PAddr;    // p_paddr
    public ulong FileSize; // p_filesz
    public ulong MemSize;  // p_memsz
    public ulong Align;    // p_align
}
