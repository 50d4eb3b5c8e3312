using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Real memcached, unmodified, under load on several connections while
/// its power fails 20 times (scripts/memcached-torture): no acknowledged
/// write is lost and curr_items covers every acknowledged key.
/// </summary>
public sealed class MemcachedTests
{
    [Fact]
    public void NoAcknowledgedWriteIsLostAcrossTwentyFailures()
    {
        var memcached = Path.Combine(Repo.Root, "build", "memcached", "memcached");
        Assert.True(File.Exists(memcached), $"{memcached} is missing: run scripts/build-memcached (scripts/test does)");
        var r = Proc.Run(Path.Combine(Repo.Root, "scripts", "memcached-torture"), ["--failures", "20"],
            new Dictionary<string, string> { ["SKIP_BUILD"] = "1" }, timeoutMs: 600_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        var summary = r.Stdout.Trim().Split('\n').Last();
        Assert.Matches(@"^20 failures; [1-9]\d* acknowledged keys, 0 lost; ", summary);
    }
}
