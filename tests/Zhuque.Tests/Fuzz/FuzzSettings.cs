using System.Globalization;

namespace Zhuque.Tests.Fuzz;

/// <summary>
/// How a fuzz run is set up, from the environment so a failure can be
/// replayed: ZHUQUE_FUZZ_SEED (else a fresh one), ZHUQUE_FUZZ_CASES (else
/// 100,000), ZHUQUE_FUZZ_CASE to run just that case, ZHUQUE_FUZZ_BASE a
/// saved context file to start from instead of a fresh run of objects.c
/// (a failing run keeps its own and names it).
/// </summary>
public sealed record FuzzSettings(int Seed, int Cases, int? OnlyCase, string? Base)
{
    public const int DefaultCases = 100_000;

    public static FuzzSettings FromEnvironment()
    {
        static int? Number(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
        return new FuzzSettings(
            Number("ZHUQUE_FUZZ_SEED") ?? System.Random.Shared.Next(),
            Number("ZHUQUE_FUZZ_CASES") ?? DefaultCases,
            Number("ZHUQUE_FUZZ_CASE"),
            Environment.GetEnvironmentVariable("ZHUQUE_FUZZ_BASE") is { Length: > 0 } path ? path : null);
    }

    /// <summary>The seed of one case: the run's seed and the case's number mixed (splitmix64), so any case replays alone.</summary>
    public int CaseSeed(int index)
    {
        var z = ((ulong)(uint)Seed << 32 | (uint)index) + 0x9e3779b97f4a7c15UL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return (int)(z ^ (z >> 31));
    }
}
