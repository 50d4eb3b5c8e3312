namespace Zhuque.Launcher.Inspect;

/// <summary>
/// A signal disposition the program set: Handler is SIG_DFL, SIG_IGN, or
/// the program's function (.symtab) as "name" or "name+0x1f", else its
/// address; Address the handler's address in hex when it is a function;
/// Flags the SA_* flags ("SA_SIGINFO|SA_RESTART", "0" for none); Mask the
/// signals blocked while it runs, hex, bit N-1 for signal N.
/// </summary>
public sealed record SignalHandlerReport(int Signo, string Signal, string Handler, string? Address, string Flags, string Mask);

/// <summary>The signal handlers of inspect, or why they cannot be known (Handlers null, Unknown says why).</summary>
public sealed record SignalHandlersSection(IReadOnlyList<SignalHandlerReport>? Handlers, string? Unknown);
