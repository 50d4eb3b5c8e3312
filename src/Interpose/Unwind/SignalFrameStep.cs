using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zhuque.Interpose.Frames;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// The step out of a signal handler: when a frame's pc is the signal
/// trampoline, the handler's return has already popped the trampoline's
/// address, so rsp points at the ucontext the kernel pushed, whose
/// registers are those of the interrupted code.
/// </summary>
public sealed class SignalFrameStep(IStackMemory memory)
{
    public RegisterState? Caller(RegisterState trampoline)
    {
        if (trampoline.Sp is not { } sp)
            return null;
        Span<byte> bytes = stackalloc byte[Unsafe.SizeOf<KernelUContext>()];
        if (!memory.TryRead(sp, bytes))
            return null;
        return RegisterState.Of(MemoryMarshal.Read<KernelUContext>(bytes).UcMcontext);
    }
}
