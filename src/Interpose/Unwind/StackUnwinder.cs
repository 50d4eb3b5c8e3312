using Zhuque.Interpose.Elf;

namespace Zhuque.Interpose.Unwind;

/// <summary>
/// Walks a thread's stack from the registers of its saved signal frame:
/// by CFI where the program has it, by HeuristicStep where it has not, and
/// out of a signal handler through the ucontext above its trampoline. The
/// walk ends cleanly at pc 0 (the outermost frame's undefined return
/// address), in the function at the program's entry point (_start, where
/// the main thread began), at a pc outside the program's code, at memory
/// the image does not hold, when rsp stops growing (except out of a
/// handler, which may have run on its own stack), or after MaxFrames.
/// </summary>
public sealed class StackUnwinder
{
    public const int MaxFrames = 64;

    readonly CfiStep? _cfi;
    readonly HeuristicStep? _heuristic;
    readonly SignalFrameStep _signal;
    readonly SignalTrampoline? _trampoline;
    readonly ProgramCode? _code;
    readonly ElfSymbols? _symbols;
    readonly ElfFunction? _entryFunction;

    /// <summary>Each of fdes, code and symbols may be missing (a stripped or vanished program): fewer methods apply.</summary>
    public StackUnwinder(IStackMemory memory, FdeTable? fdes, ProgramCode? code, ElfSymbols? symbols, ulong? entry)
    {
        _cfi = fdes is null ? null : new CfiStep(fdes, memory);
        _signal = new SignalFrameStep(memory);
        if (code is not null)
        {
            _trampoline = new SignalTrampoline(code);
            _heuristic = new HeuristicStep(memory, new CallSites(code, symbols), _trampoline, symbols);
        }
        _code = code;
        _symbols = symbols;
        _entryFunction = entry is { } e ? symbols?.Containing(e) : null;
    }

    public IReadOnlyList<UnwoundFrame> Unwind(RegisterState registers)
    {
        if (registers.Pc is not { } pc)
            return [];
        var frames = new List<UnwoundFrame> { new(0, pc, UnwindMethod.Signal, IsReturnAddress: false) };
        while (frames.Count < MaxFrames)
        {
            var frame = frames[^1];
            if (_entryFunction is not null && _symbols?.Containing(frame.LookupPc) == _entryFunction)
                break; // nothing called _start: what is above it is argv, the environment and auxv
            if (Step(registers, frame) is not var (caller, method))
                break;
            if (caller.Pc is not { } callerPc || callerPc == 0)
                break;
            if (method != UnwindMethod.Signal && (caller.Sp is not { } callerSp || registers.Sp is not { } sp || callerSp <= sp))
                break; // no progress: a loop in the data, or a rule that does not unwind
            if (_code is not null && !_code.Contains(callerPc))
                break;
            var exact = method == UnwindMethod.Signal || _trampoline?.IsAt(callerPc) == true;
            frames.Add(new UnwoundFrame(frames.Count, callerPc, method, IsReturnAddress: !exact));
            registers = caller;
        }
        return frames;
    }

    (RegisterState, UnwindMethod)? Step(RegisterState registers, UnwoundFrame frame)
    {
        if (_trampoline?.Holds(frame.Pc) == true)
            return _signal.Caller(registers) is { } interrupted ? (interrupted, UnwindMethod.Signal) : null;
        if (_cfi?.Caller(registers, frame.LookupPc) is { } byCfi)
            return (byCfi, UnwindMethod.Cfi);
        return _heuristic?.Caller(registers, frame.LookupPc, !frame.IsReturnAddress);
    }
}
