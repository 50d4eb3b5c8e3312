namespace Zhuque.Interpose.Disassembly;

/// <summary>One decoded instruction: its address, its bytes, its text (AT&amp;T syntax), and whether it is the one a thread stopped at.</summary>
public sealed record DisassembledInstruction(ulong Address, byte[] Bytes, string Text, bool AtRip);
