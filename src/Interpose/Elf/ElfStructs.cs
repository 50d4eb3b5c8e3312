using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Elf;

// ELF64 on-disk structures (<elf.h>), C field names beside each field.

[StructLayout(LayoutKind.Sequential)]
public unsafe struct Elf64Ehdr
{
    public fixed byte Ident[16];  // e_ident
    public ushort Type;           // e_type
    public ushort Machine;        // e_machine
    public uint Version;          // e_version
    public ulong Entry;           // e_entry
    public ulong PhOff;           // e_phoff
    public ulong ShOff;           // e_shoff
    public uint Flags;            // e_flags
    public ushort EhSize;         // e_ehsize
    public ushort PhEntSize;      // e_phentsize
    public ushort PhNum;          // e_phnum
    public ushort ShEntSize;      // e_shentsize
    public ushort ShNum;          // e_shnum
    public ushort ShStrNdx;       // e_shstrndx
}

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

[StructLayout(LayoutKind.Sequential)]
public struct Elf64Shdr
{
    public uint Name;       // sh_name
    public uint Type;       // sh_type
    public ulong Flags;     // sh_flags
    public ulong Addr;      // sh_addr
    public ulong Offset;    // sh_offset
    public ulong Size;      // sh_size
    public uint Link;       // sh_link
    public uint Info;       // sh_info
    public ulong AddrAlign; // sh_addralign
    public ulong EntSize;   // sh_entsize
}

[StructLayout(LayoutKind.Sequential)]
public struct Elf64Sym
{
    public uint Name;     // st_name
    public byte Info;     // st_info: binding << 4 | type
    public byte Other;    // st_other
    public ushort Shndx;  // st_shndx
    public ulong Value;   // st_value
    public ulong Size;    // st_size
}
