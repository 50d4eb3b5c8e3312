using Iced.Intel;
using Zhuque.Interpose.Disassembly;
using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// Reads the prologue of a function without CFI, as gcc writes it with or
/// without a frame pointer: pushes of registers, "sub $N,%rsp", with moves
/// and the like between them, until the pc or an instruction that would
/// make the rest uncertain (a branch, a call, any other change of rsp).
/// musl's C code is built without CFI and mostly without a frame pointer:
/// this is how its frames' sizes and saved registers are known.
/// </summary>
public sealed class PrologueReader(ProgramCode code)
{
    const int MaxInstructions = 32;
    const int MaxBytes = 256;

    public Prologue Read(ulong functionStart, ulong pc)
    {
        var saved = new List<SavedRegister>();
        ulong frame = 0;
        var bytes = code.From(functionStart);
        var limit = Math.Min((ulong)Math.Min(bytes.Length, MaxBytes), pc - Math.Min(pc, functionStart));
        var decoder = Decoder.Create(64, new MemoryCodeReader(bytes[..(int)limit]), functionStart);
        for (var n = 0; n < MaxInstructions && decoder.IP < functionStart + limit; n++)
        {
            decoder.Decode(out var i);
            if (i.IsInvalid)
                return new Prologue(frame, saved, false);
            if (i.Mnemonic == Mnemonic.Push && i.OpCount == 1 && i.Op0Kind == OpKind.Register && Dwarf(i.Op0Register) is { } register)
            {
                frame += 8;
                saved.Add(new SavedRegister(register, frame));
            }
            else if (i.Mnemonic == Mnemonic.Sub && i.Op0Kind == OpKind.Register && i.Op0Register == Register.RSP && IsImmediate(i.Op1Kind))
                frame += i.GetImmediate(1);
            else if (i.FlowControl != FlowControl.Next || WritesRsp(i))
                return new Prologue(frame, saved, false);
        }
        return new Prologue(frame, saved, true);
    }

    static bool IsImmediate(OpKind kind) => kind is OpKind.Immediate8to64 or OpKind.Immediate32to64 or OpKind.Immediate8 or OpKind.Immediate32;

    /// <summary>Any other instruction that changes rsp: a pop, an add, an and for alignment, a lea, a move into it.</summary>
    static bool WritesRsp(in Instruction i) =>
        i.StackPointerIncrement != 0 || (i.OpCount > 0 && i.Op0Kind == OpKind.Register && i.Op0Register is Register.RSP or Register.ESP);

    /// <summary>The DWARF number of a 64-bit general register.</summary>
    static int? Dwarf(Register register) => register switch
    {
        Register.RAX => X86Registers.Rax,
        Register.RDX => X86Registers.Rdx,
        Register.RCX => X86Registers.Rcx,
        Register.RBX => X86Registers.Rbx,
        Register.RSI => X86Registers.Rsi,
        Register.RDI => X86Registers.Rdi,
        Register.RBP => X86Registers.Rbp,
        Register.R8 => X86Registers.R8,
        Register.R9 => X86Registers.R9,
        Register.R10 => X86Registers.R10,
        Register.R11 => X86Registers.R11,
        Register.R12 => X86Registers.R12,
        Register.R13 => X86Registers.R13,
        Register.R14 => X86Registers.R14,
        Register.R15 => X86Registers.R15,
        _ => null,
    };
}
