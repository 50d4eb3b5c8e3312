using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Every kind of writable memory a program has must be a MAP_SHARED page
/// of a file in its image: tests/c/where.c reports the /proc/self/maps
/// entry behind one address of each kind.
/// </summary>
public sealed class MemoryPlacementTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    static readonly string[] Kinds =
    [
        "global", "bss", "malloc_small", "malloc_10MiB", "mmap_anon",
        "main_tls", "main_stack", "thread_tls", "thread_stack",
    ];

    readonly TempDir _tmp = new("/dev/shm");

    static Dictionary<string, (string Perms, string Path)> Parse(string stdout) =>
        stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(f => f[0], f => (f[1], f[2]));

    [Fact]
    public void EveryKindOfMemoryLivesInTheImage()
    {
        var image = _tmp["img"];
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", image, "--", programs.Zhuque("where"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var seen = Parse(r.Stdout);
        var regions = Path.Combine(image, "regions") + "/";
        foreach (var kind in Kinds)
        {
            Assert.True(seen.TryGetValue(kind, out var m), $"where.c printed no line for {kind}: {r.Stdout}");
            Assert.True(m.Perms == "rw-s" && m.Path.StartsWith(regions, StringComparison.Ordinal),
                $"{kind} is in a {m.Perms} mapping of {m.Path}, not an rw-s mapping of a file in {regions}");
        }
    }

    /// <summary>The same check on a direct run must fail: it proves the check can see the difference.</summary>
    [Fact]
    public void RunDirectlyTheSameBinaryKeepsPrivateMemory()
    {
        var r = Proc.Run(programs.Zhuque("where"), []);
        Assert.True(r.ExitCode == 0, r.ToString());
        var seen = Parse(r.Stdout);
        Assert.Equal(Kinds.Length, seen.Count);
        Assert.All(seen.Values, m => Assert.NotEqual("rw-s", m.Perms));
    }

    public void Dispose() => _tmp.Dispose();
}
