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
        var result = new List<DisassembledInstruction>();
        if (symbols?.Containing(rip) is { } function && rip - function.Address <= MaxBytesBeforeRip)
            result.AddRange(DecodeBefore(function.Address, rip, formatter));
        result.AddRange(Decode(rip, ulong.MaxValue, After + 1, formatter).Select((i, n) => i with { AtRip = n == 0 }));
        return result;
    }

    /// <summary>The last instructions from start that end at or before rip (one that straddles rip is not shown).</summary>
    IEnumerable<DisassembledInstruction> DecodeBefore(ulong start, ulong rip, Formatter formatter)
    {
        var window = new Queue<DisassembledInstruction>();
        foreach (var instruction in Decode(start, rip, int.MaxValue, formatter))
        {
            if (instruction.Address + (ulong)instruction.Bytes.Length > rip)
                break;
            window.Enqueue(instruction);
            if (window.Count > Before)
                window.Dequeue();
        }
        return window;
    }

    /// <summary>Up to count instructions from address, while they start before end and inside the code.</summary>
    IEnumerable<DisassembledInstruction> Decode(ulong address, ulong end, int count, Formatter formatter)
    {
        var bytes = code.From(address);
        var decoder = Decoder.Create(64, new MemoryCodeReader(bytes), address);
        var output = new StringOutput();
        for (var n = 0; n < count && decoder.IP < end && decoder.IP < address + (ulong)bytes.Length; n++)
        {
            decoder.Decode(out var instruction);
            if (instruction.Length == 0)
                yield break;
            var offset = (int)(instruction.IP - address);
            var length = Math.Min(instruction.Length, bytes.Length - offset); // an invalid one may claim bytes past the code
            var text = instruction.IsInvalid ? "(bad)" : Format(formatter, instruction, output);
            yield return new DisassembledInstruction(instruction.IP, bytes.Slice(offset, length).ToArray(), text, false);
        }
    }

    static string Format(Formatter formatter, in Instruction instruction, StringOutput output)
    {
        formatter.Format(instruction, output);
        return output.ToStringAndReset();
    }
}
