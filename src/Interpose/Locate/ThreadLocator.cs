using Zhuque.Interpose.Disassembly;
using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Unwind;

namespace Zhuque.Interpose.Locate;

/// <summary>
/// Finds where each saved thread was, from its registers, its stack in the
/// image and the program's debug information. Every part is best effort:
/// whatever fails leaves its part null and the others stand.
/// </summary>
public sealed class ThreadLocator(ProgramDebugInfo program, IStackMemory stack)
{
    readonly StackUnwinder _unwinder = new(stack, program.Fdes, program.Code, program.Symbols, program.Entry);
    readonly CodeWindow? _code = program.Code is null ? null : new CodeWindow(program.Code, program.Symbols);

    public ThreadLocation Locate(KernelSigContext registers) => new(
        Guard(() => Source(registers.Rip)),
        Guard(() => Backtrace(RegisterState.Of(registers))),
        Guard(() => Disassembly(registers.Rip)));

    /// <summary>The interrupted instruction's own line: not the byte before it, as for a return address.</summary>
    SourceLocation? Source(ulong rip) => Line(rip);

    /// <summary>None without the program's code: rip alone is no backtrace, and nothing checks a guess.</summary>
    IReadOnlyList<LocatedFrame>? Backtrace(RegisterState registers)
    {
        if (program.Code is null)
            return null;
        var frames = _unwinder.Unwind(registers);
        return frames.Count == 0 ? null : [.. frames.Select(Name)];
    }

    LocatedFrame Name(UnwoundFrame frame)
    {
        var function = program.Symbols?.Containing(frame.LookupPc);
        return new LocatedFrame(
            frame.Index,
            frame.Pc,
            function is null ? null : $"{function.Name}+0x{frame.Pc - function.Address:x}",
            Line(frame.LookupPc),
            frame.Method);
    }

    IReadOnlyList<DisassembledInstruction>? Disassembly(ulong rip) =>
        _code?.Around(rip) is { Count: > 0 } window ? window : null;

    /// <summary>Line 0 is the compiler's "no line" (code it made up), so no line either.</summary>
    SourceLocation? Line(ulong address) => program.Lines?.Lookup(address) is { Line: > 0 } line ? line : null;

    /// <summary>
    /// These parts are extra to what inspect shows: an error in one (a
    /// malformed table this code trips on) must cost that part only, never
    /// the report, so any exception makes it unknown.
    /// </summary>
    static T? Guard<T>(Func<T?> part) where T : class
    {
        try
        {
            return part();
        }
        catch (Exception)
        {
            return null;
        }
    }
}
