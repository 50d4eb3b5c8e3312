namespace Zhuque.Interpose.Unwind;

/// <summary>A register a prologue pushed: saved at (rsp on entry) - Offset.</summary>
public readonly record struct SavedRegister(int Register, ulong Offset);

/// <summary>
/// What a function's prologue did to the stack before a pc, read from its
/// code: how far it moved rsp below its entry value (pushes and a sub), and
/// where it pushed registers. Complete is false when the reading stopped at
/// an instruction it does not follow (a branch, a pop): then FrameBytes is
/// only a lower bound.
/// </summary>
public sealed record Prologue(ulong FrameBytes, IReadOnlyList<SavedRegister> Saved, bool Complete);
