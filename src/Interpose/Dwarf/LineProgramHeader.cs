namespace Zhuque.Interpose.Dwarf;

/// <summary>
/// The header of one line-number program (one compilation unit of
/// .debug_line), as far as running the program needs it. FilePaths is
/// indexed by the program's file register: from 0 in DWARF 5, from 1 before
/// (slot 0 then unused), each path joined with its directory.
/// </summary>
public sealed record LineProgramHeader(
    int Version,
    int AddressSize,
    byte MinimumInstructionLength,
    byte MaximumOperationsPerInstruction,
    bool DefaultIsStmt,
    sbyte LineBase,
    byte LineRange,
    byte OpcodeBase,
    byte[] StandardOpcodeLengths,
    IReadOnlyList<string> FilePaths);
