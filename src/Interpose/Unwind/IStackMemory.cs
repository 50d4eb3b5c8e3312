using System.Buffers.Binary;

namespace Zhuque.Interpose.Unwind;

/// <summary>The saved memory the unwinder reads a thread's stack from. A read that cannot be done returns false, never throws.</summary>
public interface IStackMemory
{
    bool TryRead(ulong address, Span<byte> buffer);
}

/// <summary>Reads of a stack word.</summary>
public static class StackMemoryReads
{
    public static bool TryReadUInt64(this IStackMemory memory, ulong address, out ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        var ok = memory.TryRead(address, bytes);
        value = ok ? BinaryPrimitives.ReadUInt64LittleEndian(bytes) : 0;
        return ok;
    }
}
