using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>README's first command, on fewer keys: memcached (the plain musl-gcc dynamic build) through a power failure, every key back.</summary>
public sealed class DemoTests
{
    [Fact]
    public void TheDemoPasses()
    {
        using var tmp = new TempDir("/dev/shm");
        var r = Proc.Run(Path.Combine(Repo.Root, "scripts", "demo"), [],
            new Dictionary<string, string> { ["KEYS"] = "5000", ["ZHUQUE_DEMO_IMAGE"] = tmp["img"] }, timeoutMs: 600_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("memcached (plain musl-gcc, dynamically linked) under Zhuque: ", r.Stdout);
        Assert.Contains("5000 of 5000 keys intact", r.Stdout);
    }
}
