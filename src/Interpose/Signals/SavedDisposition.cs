namespace Zhuque.Interpose.Signals;

/// <summary>
/// A signal's disposition as the program set it: Handler is SIG_DFL (0),
/// SIG_IGN (1) or a function's address; Flags are SA_*; Mask the signals
/// blocked while the handler runs, bit N-1 for signal N.
/// </summary>
public sealed record SavedDisposition(int Signo, ulong Handler, ulong Flags, ulong Mask)
{
    public const ulong SigDfl = 0;
    public const ulong SigIgn = 1;
}

/// <summary>The dispositions read from image memory, or (Handlers null) why they cannot be known.</summary>
public sealed record SavedDispositions(IReadOnlyList<SavedDisposition>? Handlers, string? Unknown);
