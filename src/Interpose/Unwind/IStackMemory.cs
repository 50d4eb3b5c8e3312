namespace Zhuque.Interpose.Unwind;

/// <summary>The saved memory the unwinder reads a thread's stack from. A read that cannot be done returns false, never throws.</summary>
public interface IStackMemory
{
    bool TryReadUInt64(ulong address, out ulong value);
}
