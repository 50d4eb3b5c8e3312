using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;

namespace Zhuque.Interpose.Frames;

// The frame the x86_64 kernel pushes on a thread's stack when it delivers a
// signal, as the runtime records it (zq_thread.frame points at the
// ucontext). Field by field in the kernel's order; the C names are beside
// the fields. SignalFrameMirrorTests compares every offset with
// <asm/sigcontext.h> and with glibc's <sys/ucontext.h> as gcc lays them out.

/// <summary>The kernel's struct ucontext (asm-generic/ucontext.h) with its 64-bit sigset_t.</summary>
[CName("ucontext")]
[StructLayout(LayoutKind.Sequential)]
public struct KernelUContext
{
    public ulong UcFlags;               // uc_flags
    public ulong UcLink;                // uc_link
    public ulong UcStackSp;             // uc_stack.ss_sp
    public int UcStackFlags;            // uc_stack.ss_flags
    public uint UcStackPad;             // (padding)
    public ulong UcStackSize;           // uc_stack.ss_size
    public KernelSigContext UcMcontext; // uc_mcontext
    public ulong UcSigmask;             // uc_sigmask: the kernel's sigset_t, one bit per signal
}

/// <summary>The kernel's struct sigcontext for x86_64 (asm/sigcontext.h): the general registers at the signal.</summary>
[CName("sigcontext")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KernelSigContext
{
    public ulong R8;                 // r8
    public ulong R9;                 // r9
    public ulong R10;                // r10
    public ulong R11;                // r11
    public ulong R12;                // r12
    public ulong R13;                // r13
    public ulong R14;                // r14
    public ulong R15;                // r15
    public ulong Rdi;                // rdi
    public ulong Rsi;                // rsi
    public ulong Rbp;                // rbp
    public ulong Rbx;                // rbx
    public ulong Rdx;                // rdx
    public ulong Rax;                // rax
    public ulong Rcx;                // rcx
    public ulong Rsp;                // rsp
    public ulong Rip;                // rip
    public ulong Eflags;             // eflags: RFLAGS
    public ushort Cs;                // cs
    public ushort Gs;                // gs
    public ushort Fs;                // fs
    public ushort Ss;                // ss (if UC_SIGCONTEXT_SS)
    public ulong Err;                // err
    public ulong Trapno;             // trapno
    public ulong Oldmask;            // oldmask
    public ulong Cr2;                // cr2
    public ulong Fpstate;            // fpstate: address of the xsave area, 0 when none
    public fixed ulong Reserved1[8]; // reserved1[8]
}
