namespace Zhuque.Interpose.Dwarf;

/// <summary>A place in the program's source: the file as the line table names it (directory joined) and its line.</summary>
public sealed record SourceLocation(string File, int Line);
