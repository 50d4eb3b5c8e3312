using Iced.Intel;
using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Disassembly;

/// <summary>Names the targets of branches and calls by the program's functions ("call spin_here+0x4").</summary>
public sealed class FunctionSymbolResolver(ElfSymbols symbols) : ISymbolResolver
{
    public bool TryGetSymbol(in Instruction instruction, int operand, int instructionOperand, ulong address, int addressSize, out SymbolResult symbol)
    {
        var kind = instruction.GetOpKind(operand);
        if (kind is OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64 && symbols.Containing(address) is { } f)
        {
            var name = address == f.Address ? f.Name : $"{f.Name}+0x{address - f.Address:x}";
            symbol = new SymbolResult(address, name);
            return true;
        }
        symbol = default;
        return false;
    }
}
