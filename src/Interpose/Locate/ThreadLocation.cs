using Zhuque.Interpose.Disassembly;
using Zhuque.Interpose.Dwarf;
using Zhuque.Interpose.Unwind;

namespace Zhuque.Interpose.Locate;

/// <summary>A frame of a backtrace, named: "function+0x1f" by the symbol table, the source line by the line table, each when known.</summary>
public sealed record LocatedFrame(int Index, ulong Pc, string? Function, SourceLocation? Source, UnwindMethod Method);

/// <summary>
/// Where a saved thread was: the source line of its interrupted
/// instruction, its backtrace, and the code around rip. Each is null when
/// it could not be found out.
/// </summary>
public sealed record ThreadLocation(
    SourceLocation? Source,
    IReadOnlyList<LocatedFrame>? Backtrace,
    IReadOnlyList<DisassembledInstruction>? Disassembly)
{
    public static readonly ThreadLocation Unknown = new(null, null, null);
}
