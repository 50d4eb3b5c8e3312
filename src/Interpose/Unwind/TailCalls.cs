using Iced.Intel;
using Zhuque.Interpose.Disassembly;
using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// Whether a function passes control on to another by a jump at its start,
/// as musl's small wrappers do (pthread_cond_wait is "xor %edx,%edx; jmp
/// __pthread_cond_timedwait"): a call to the wrapper then returns from the
/// function it jumps to, so the stack scan may accept its return address
/// for that function. Only the first few instructions are read, through at
/// most MaxDepth such wrappers.
/// </summary>
public sealed class TailCalls(ProgramCode code)
{
    const int MaxInstructions = 16;
    const int MaxBytes = 128;
    const int MaxDepth = 2;

    public bool Reaches(ulong function, ulong target) => Reaches(function, target, MaxDepth);

    bool Reaches(ulong function, ulong target, int depth)
    {
        if (function == target)
            return true;
        if (depth == 0)
            return false;
        var bytes = code.From(function);
        var decoder = Decoder.Create(64, new MemoryCodeReader(bytes[..Math.Min(bytes.Length, MaxBytes)]), function);
        for (var n = 0; n < MaxInstructions && decoder.IP < function + (ulong)Math.Min(bytes.Length, MaxBytes); n++)
        {
            decoder.Decode(out var instruction);
            if (instruction.IsInvalid)
                return false;
            switch (instruction.FlowControl)
            {
                case FlowControl.UnconditionalBranch:
                    return Reaches(instruction.NearBranchTarget, target, depth - 1);
                case FlowControl.ConditionalBranch when instruction.NearBranchTarget == target:
                    return true;
                case FlowControl.Return or FlowControl.IndirectBranch or FlowControl.Interrupt:
                    return false;
                default:
                    break;
            }
        }
        return false;
    }
}
