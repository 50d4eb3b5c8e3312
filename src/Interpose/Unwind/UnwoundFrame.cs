namespace Zhuque.Interpose.Unwind;

/// <summary>How the unwinder found a frame's pc: the stronger methods first.</summary>
public enum UnwindMethod
{
    /// <summary>An interrupted instruction, from a signal frame: the one the image saved, or one pushed for a handler.</summary>
    Signal,
    /// <summary>The callee's .eh_frame rules.</summary>
    Cfi,
    /// <summary>A callee without CFI whose prologue (pushes, sub) says where its return address is.</summary>
    Prologue,
    /// <summary>A callee without CFI taken for a leaf: the return address at its rsp.</summary>
    Leaf,
    /// <summary>The rbp chain: [rbp] the caller's rbp, [rbp+8] the return address.</summary>
    FramePointer,
    /// <summary>The first word up the stack that points just after a call.</summary>
    Scan,
}

/// <summary>
/// One frame of a backtrace, innermost first. Frame 0's pc is the
/// interrupted instruction; a caller's is a return address, which may be
/// past the end of the calling function (a call that does not return), so
/// its line and function are those of LookupPc, the byte before. Not so
/// for the signal trampoline a handler returns to, nor for the code a
/// signal interrupted (above the trampoline): their pc is exact.
/// </summary>
public sealed record UnwoundFrame(int Index, ulong Pc, UnwindMethod Method, bool IsReturnAddress)
{
    public ulong LookupPc => IsReturnAddress ? Pc - 1 : Pc;
}
