using Iced.Intel;
using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Disassembly;

/// <summary>
/// The instructions around the one a thread stopped at, read from the
/// program file. x86 cannot be decoded backwards, so the instructions
/// before rip are decoded from the start of the function that holds it;
/// when that is unknown (no symbol, or too far) only rip and what follows
/// are shown. AT&amp;T syntax, as objdump and gdb print by default.
/// </summary>
public sealed class CodeWindow(ProgramCode code, ElfSymbols? symbols)
{
    public const int Before = 6;
    public const int After = 4;

    /// <summary>A function longer than this before rip is decoded from rip only.</summary>
    const ulong MaxBytesBeforeRip = 64 * 1024;

    /// <summary>The window around rip; empty when rip is not in the program's code.</summary>
    public IReadOnlyList<DisassembledInstruction> Around(ulong rip)
    {
        if (!code.Contains(rip))
            return [];
        var formatter = new GasFormatter(symbols is null ? null : new FunctionSymbolResolver(symbols));
        formatter.Options.FirstOperandCharIndex = 8;
        formatter.Options.UppercaseHex = false;
        formatter.Options.RipRelativeAddresses = true; // 0xc0c9(%rip), as objdump prints it
        var result = new List<DisassembledInstruction>();
        if (symbols?.Containing(rip) is { } function && rip - function.Address <= MaxBytesBeforeRip)
            result.AddRange(DecodeBefore(function.Address, rip, formatter));
        result.AddRange(DecodeFrom(rip, formatter));
        return result;
    }

    /// <summary>The last instructions from start that end at or before rip (one that straddles rip is not shown).</summary>
    IEnumerable<DisassembledInstruction> DecodeBefore(ulong start, ulong rip, Formatter formatter)
    {
        var window = new Queue<Instruction>();
        foreach (var instruction in Decode(start, rip, int.MaxValue))
        {
            if (instruction.NextIP > rip)
                break;
            window.Enqueue(instruction);
            if (window.Count > Before)
                window.Dequeue();
        }
        return window.Select(i => Describe(i, formatter, false));
    }

    IEnumerable<DisassembledInstruction> DecodeFrom(ulong rip, Formatter formatter) =>
        Decode(rip, ulong.MaxValue, After + 1).Select((i, n) => Describe(i, formatter, n == 0));

    /// <summary>Up to count instructions from address, while they start before end and inside the code.</summary>
    IEnumerable<Instruction> Decode(ulong address, ulong end, int count)
    {
        var bytes = code.From(address);
        var decoder = Decoder.Create(64, new MemoryCodeReader(bytes), address);
        for (var n = 0; n < count && decoder.IP < end && decoder.IP < address + (ulong)bytes.Length; n++)
        {
            decoder.Decode(out var instruction);
            if (instruction.Length == 0)
                yield break;
            yield return instruction;
        }
    }

    /// <summary>Its bytes (an invalid one may claim bytes past the code) and its text; the address of a rip-relative operand follows as a comment.</summary>
    DisassembledInstruction Describe(in Instruction instruction, Formatter formatter, bool atRip)
    {
        var bytes = code.From(instruction.IP);
        bytes = bytes[..Math.Min(instruction.Length, bytes.Length)];
        string text;
        if (instruction.IsInvalid)
            text = "(bad)";
        else
        {
            var output = new StringOutput();
            formatter.Format(instruction, output);
            text = output.ToStringAndReset();
            if (instruction.IsIPRelativeMemoryOperand)
                text += $"  # 0x{instruction.IPRelativeMemoryAddress:x}";
        }
        return new DisassembledInstruction(instruction.IP, bytes.ToArray(), text, atRip);
    }
}
