using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Core;

// The records of an x86_64 Linux ELF core file as the kernel writes them
// (linux/elf.h, linux/elfcore.h, asm/user_64.h), with the C field name
// beside each field. CoreStructSizeTests holds them to the sizes gcc gives
// the system's own (<sys/procfs.h>, <elf.h>).

/// <summary>The ELF file header (Elf64_Ehdr).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Elf64Ehdr
{
    public fixed byte Ident[16]; // e_ident
    public ushort Type;          // e_type: ET_CORE
    public ushort Machine;       // e_machine: EM_X86_64
    public uint Version;         // e_version
    public ulong Entry;          // e_entry
    public ulong PhOff;          // e_phoff
    public ulong ShOff;          // e_shoff
    public uint Flags;           // e_flags
    public ushort EhSize;        // e_ehsize
    public ushort PhEntSize;     // e_phentsize
    public ushort PhNum;         // e_phnum
    public ushort ShEntSize;     // e_shentsize
    public ushort ShNum;         // e_shnum
    public ushort ShStrNdx;      // e_shstrndx
}

/// <summary>The general registers as ptrace and cores give them (struct user_regs_struct).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct UserRegs
{
    public ulong R15;     // r15
    public ulong R14;     // r14
    public ulong R13;     // r13
    public ulong R12;     // r12
    public ulong Rbp;     // rbp
    public ulong Rbx;     // rbx
    public ulong R11;     // r11
    public ulong R10;     // r10
    public ulong R9;      // r9
    public ulong R8;      // r8
    public ulong Rax;     // rax
    public ulong Rcx;     // rcx
    public ulong Rdx;     // rdx
    public ulong Rsi;     // rsi
    public ulong Rdi;     // rdi
    public ulong OrigRax; // orig_rax
    public ulong Rip;     // rip
    public ulong Cs;      // cs
    public ulong Eflags;  // eflags
    public ulong Rsp;     // rsp
    public ulong Ss;      // ss
    public ulong FsBase;  // fs_base
    public ulong GsBase;  // gs_base
    public ulong Ds;      // ds
    public ulong Es;      // es
    public ulong Fs;      // fs
    public ulong Gs;      // gs
}

/// <summary>NT_PRSTATUS: one per thread (struct elf_prstatus).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ElfPrstatus
{
    public int InfoSigno;    // pr_info.si_signo
    public int InfoCode;     // pr_info.si_code
    public int InfoErrno;    // pr_info.si_errno
    public short Cursig;     // pr_cursig
    public ushort Pad0;      // (padding)
    public ulong Sigpend;    // pr_sigpend
    public ulong Sighold;    // pr_sighold
    public int Pid;          // pr_pid: the thread's tid
    public int Ppid;         // pr_ppid
    public int Pgrp;         // pr_pgrp
    public int Sid;          // pr_sid
    public ulong UtimeSec;   // pr_utime
    public ulong UtimeUsec;
    public ulong StimeSec;   // pr_stime
    public ulong StimeUsec;
    public ulong CutimeSec;  // pr_cutime
    public ulong CutimeUsec;
    public ulong CstimeSec;  // pr_cstime
    public ulong CstimeUsec;
    public UserRegs Reg;     // pr_reg
    public int Fpvalid;      // pr_fpvalid
    public int Pad1;         // (padding)
}

/// <summary>NT_PRPSINFO: the process (struct elf_prpsinfo).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ElfPrpsinfo
{
    public byte State;           // pr_state
    public byte Sname;           // pr_sname
    public byte Zomb;            // pr_zomb
    public byte Nice;            // pr_nice
    public uint Pad0;            // (padding)
    public ulong Flag;           // pr_flag
    public uint Uid;             // pr_uid
    public uint Gid;             // pr_gid
    public int Pid;              // pr_pid
    public int Ppid;             // pr_ppid
    public int Pgrp;             // pr_pgrp
    public int Sid;              // pr_sid
    public fixed byte Fname[16]; // pr_fname
    public fixed byte Psargs[80]; // pr_psargs
}

/// <summary>Constants of the core format (linux/elf.h, asm/sigcontext.h).</summary>
public static class CoreConstants
{
    public const ushort EtCore = 4;
    public const ushort EmX86_64 = 62;
    public const uint PtLoad = 1;
    public const uint PtNote = 4;
    public const uint PfX = 1, PfW = 2, PfR = 4;
    public const uint NtPrstatus = 1;
    public const uint NtPrfpreg = 2;
    public const uint NtPrpsinfo = 3;
    public const uint NtAuxv = 6;
    public const uint NtFile = 0x46494c45;
    public const uint NtX86Xstate = 0x202;
    public const ulong PageSize = 4096;

    /// <summary>The fxsave area: NT_PRFPREG, and the head of every xsave area.</summary>
    public const int FxsaveSize = 512;

    /// <summary>Where the fxsave area's software bytes start: a signal frame's struct _fpx_sw_bytes, a core's XCR0.</summary>
    public const int SwReservedOffset = 464;

    /// <summary>FP_XSTATE_MAGIC1: the signal frame's xsave area is extended (struct _fpx_sw_bytes follows).</summary>
    public const uint FpXstateMagic1 = 0x46505853;
}
