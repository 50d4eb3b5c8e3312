using Iced.Intel;

namespace Zhuque.Interpose.Disassembly;

/// <summary>Iced's byte source over a slice of the program's code; -1 past its end, so no instruction is read beyond it.</summary>
public sealed class MemoryCodeReader(ReadOnlyMemory<byte> code) : CodeReader
{
    int _position;

    public override int ReadByte() => _position < code.Length ? code.Span[_position++] : -1;
}
