using Zhuque.Interpose.Frames;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// The registers of one frame as far as they are known, by DWARF number
/// (X86Registers), the pc in the return-address column. Immutable: a step
/// of the unwinder makes the caller's from the callee's.
/// </summary>
public sealed class RegisterState
{
    readonly ulong?[] _values;

    RegisterState(ulong?[] values) => _values = values;

    public ulong? this[int register] => register is >= 0 and < X86Registers.Count ? _values[register] : null;

    public ulong? Pc => _values[X86Registers.ReturnAddress];

    public ulong? Sp => _values[X86Registers.Rsp];

    public ulong? Bp => _values[X86Registers.Rbp];

    public static RegisterState Of(IReadOnlyDictionary<int, ulong> values)
    {
        var array = new ulong?[X86Registers.Count];
        foreach (var (register, value) in values)
        {
            if (register is >= 0 and < X86Registers.Count)
                array[register] = value;
        }
        return new RegisterState(array);
    }

    /// <summary>Every register of a saved signal frame: where the thread was interrupted.</summary>
    public static RegisterState Of(KernelSigContext r) => new(
    [
        r.Rax, r.Rdx, r.Rcx, r.Rbx, r.Rsi, r.Rdi, r.Rbp, r.Rsp,
        r.R8, r.R9, r.R10, r.R11, r.R12, r.R13, r.R14, r.R15, r.Rip,
    ]);

    /// <summary>A copy with some registers changed (null: unknown).</summary>
    public RegisterState With(params ReadOnlySpan<(int Register, ulong? Value)> changes)
    {
        var values = (ulong?[])_values.Clone();
        foreach (var (register, value) in changes)
        {
            if (register is >= 0 and < X86Registers.Count)
                values[register] = value;
        }
        return new RegisterState(values);
    }
}
