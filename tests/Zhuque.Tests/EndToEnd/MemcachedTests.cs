using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Real memcached, unmodified, under load on several connections while
/// its power fails (scripts/memcached-torture): no acknowledged write is
/// lost and curr_items covers every acknowledged key. Both builds: with
/// zhuque-cc (static), and with plain musl-gcc, dynamically linked against
/// a libevent shared library found by the rpath $ORIGIN/lib.
/// </summary>
public sealed class MemcachedTests
{
    static readonly string Dynamic = Path.Combine(Repo.Root, "build", "memcached", "dynamic", "memcached");

    [Fact]
    public void NoAcknowledgedWriteIsLostAcrossTwentyFailures()
    {
        var memcached = Path.Combine(Repo.Root, "build", "memcached", "memcached");
        Assert.True(File.Exists(memcached), $"{memcached} is missing: run scripts/build-memcached (scripts/test does)");
        var summary = Torture(20);
        Assert.Matches(@"^20 failures; [1-9]\d* acknowledged keys, 0 lost; ", summary);
    }

    [Fact]
    public void ThePlainMuslGccDynamicBuildLosesNoAcknowledgedWriteAcrossTenFailures()
    {
        AssertPlainDynamic(Dynamic);
        var summary = Torture(10, "--dynamic");
        Assert.Matches(@"^10 failures; [1-9]\d* acknowledged keys, 0 lost; ", summary);
    }

    /// <summary>
    /// memcached itself SIGKILLed (its own pid, under the guard) at random
    /// moments while four connections write: the guard saves each kill.
    /// </summary>
    [Fact]
    public void NoAcknowledgedWriteIsLostAcrossTenKills()
    {
        var summary = Torture(10, "--kill", "10");
        Assert.Matches(@"^10 kills saved \(\d+ more during a resume\); [1-9]\d* acknowledged keys, 0 lost; ", summary);
    }

    /// <summary>
    /// The kernel's OOM killer: memcached alone in a memory cgroup (zhuque
    /// run --cgroup) filled until the limit, killed by the kernel, saved by
    /// the guard (which stays outside the limit), and resumed outside it
    /// with every acknowledged value (scripts/memcached-oom).
    /// </summary>
    [MemoryCgroupFact]
    public void TheOomKillerIsSavedAndTheResumeOutsideTheLimitKeepsEveryAcknowledgedValue()
    {
        var r = Proc.Run(Path.Combine(Repo.Root, "scripts", "memcached-oom"), [],
            new Dictionary<string, string> { ["SKIP_BUILD"] = "1" }, timeoutMs: 300_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Matches(@"OOM-killed after [1-9]\d* items acknowledged \([1-9]\d* threads saved at SIGKILL\); resumed outside it: [1-9]\d* acknowledged keys, 0 lost; ",
            r.Stdout.Trim().Split('\n').Last());
    }

    /// <summary>
    /// The binary and its lib/ copied elsewhere still run under zhuque:
    /// libevent comes from $ORIGIN/lib, $ORIGIN being the program's
    /// directory (from AT_EXECFN), not the shim's (/proc/self/exe). No other
    /// directory musl searches holds a libevent.
    /// </summary>
    [Fact]
    public void TheDynamicBuildFindsItsLibeventBesideItWhereverItIs()
    {
        AssertPlainDynamic(Dynamic);
        using var tmp = new TempDir("/dev/shm");
        var dir = Directory.CreateDirectory(tmp["moved"]).FullName;
        var lib = Directory.CreateDirectory(Path.Combine(dir, "lib")).FullName;
        File.Copy(Dynamic, Path.Combine(dir, "memcached"));
        foreach (var so in Directory.GetFiles(Path.Combine(Path.GetDirectoryName(Dynamic)!, "lib")))
            File.Copy(so, Path.Combine(lib, Path.GetFileName(so)));
        File.SetUnixFileMode(Path.Combine(dir, "memcached"), (UnixFileMode)0b111_101_101);
        var r = Proc.Run(Repo.Zhuque, ["run", "--image", tmp["img"], "--", Path.Combine(dir, "memcached"), "-V"]);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("memcached 1.6.18", r.Stdout.Trim());
    }

    /// <summary>Built by plain musl-gcc: musl's dynamic linker, libevent as a shared library, rpath $ORIGIN/lib.</summary>
    static void AssertPlainDynamic(string memcached)
    {
        Assert.True(File.Exists(memcached), $"{memcached} is missing: run scripts/build-memcached (scripts/test does)");
        var elf = Proc.Check("readelf", "-ldW", memcached);
        Assert.Contains("[Requesting program interpreter: /lib/ld-musl-x86_64.so.1]", elf);
        Assert.Contains("Shared library: [libevent-2.1.so.7]", elf);
        Assert.Contains("[$ORIGIN/lib]", elf);
    }

    static string Torture(int failures, params string[] more)
    {
        string[] count = more.Contains("--kill") ? [] : ["--failures", $"{failures}"];
        var r = Proc.Run(Path.Combine(Repo.Root, "scripts", "memcached-torture"), [.. count, .. more],
            new Dictionary<string, string> { ["SKIP_BUILD"] = "1" }, timeoutMs: 600_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Trim().Split('\n').Last();
    }
}
