using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// Recognises the code a signal handler returns to: musl's __restore_rt
/// (src/signal/x86_64/restore.s), "mov $15,%rax; syscall", i.e.
/// rt_sigreturn. Recognised by its bytes, not its name, so it is found in a
/// stripped program too. A frame there is no call's: the kernel pushed its
/// address, and above it on the stack lies the ucontext of the code the
/// signal interrupted.
/// </summary>
public sealed class SignalTrampoline(ProgramCode code)
{
    static readonly byte[] RtSigreturn = [0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05];

    const int SyscallOffset = 7; // after the mov, at the syscall

    /// <summary>Whether pc is in the trampoline: at its mov or at its syscall. rsp then points at the ucontext either way.</summary>
    public bool Holds(ulong pc) => IsAt(pc) || (pc >= SyscallOffset && IsAt(pc - SyscallOffset));

    /// <summary>Whether the trampoline starts at pc (where a handler returns to).</summary>
    public bool IsAt(ulong pc)
    {
        var bytes = code.From(pc);
        return bytes.Length >= RtSigreturn.Length && bytes.Span[..RtSigreturn.Length].SequenceEqual(RtSigreturn);
    }
}
