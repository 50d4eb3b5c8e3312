namespace Zhuque.Launcher.Inspect;

/// <summary>A source line: the file as the program's line table names it (directory joined), and the line.</summary>
public sealed record SourceLine(string File, int Line);

/// <summary>
/// A frame of a thread's backtrace, innermost (#0, the interrupted
/// instruction) first: its pc in hex, the function holding it as
/// "name+0x1f" and its source line, each when known. For a caller the pc
/// is the return address; function and line are those of the call.
/// </summary>
public sealed record FrameReport(int Index, string Pc, string? Function, SourceLine? Source);

/// <summary>One instruction of the code around rip: address in hex, bytes in lowercase hex, AT&amp;T text, and whether it is the one at rip.</summary>
public sealed record InstructionReport(string Address, string Bytes, string Text, bool AtRip);
