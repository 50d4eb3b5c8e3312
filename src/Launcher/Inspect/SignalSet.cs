using Zhuque.Launcher.Supervision;


namespace Zhuque.Launcher.Inspect;

/// <summary>A 64-bit signal set (bit N-1 for signal N) in words: "SIGINT,SIGTERM", "none", or "all".</summary>
public static class SignalSet
{
    public static string Names(ulong mask) => mask switch
    {
        0 => "none",
        ulong.MaxValue => "all",
        _ => string.Join(',', Enumerable.Range(1, 64).Where(s => (mask & (1UL << (s - 1))) != 0).Select(Signals.Name)),
    };
}
