using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// A program under Zhuque computes what it computes natively: 10^6 mixed
/// malloc/free/realloc calls and 200 threads created and joined
/// (tests/c/churn.c) print the same digests as the unpatched-musl build.
/// </summary>
public sealed class EquivalenceTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    [Fact]
    public void MallocChurnAndThreadsMatchANativeRun()
    {
        var native = Proc.Run(programs.Native("churn"), [], timeoutMs: 300_000);
        Assert.True(native.ExitCode == 0, native.ToString());
        Assert.Contains("malloc churn 1000000 ops", native.Stdout);
        Assert.Contains("threads 200", native.Stdout);

        var image = _tmp["img"];
        var r = Proc.Run(Repo.Zhuque, ["run", "--image", image, "--", programs.Zhuque("churn")],
            new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] }, timeoutMs: 300_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(native.Stdout, r.Stdout);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(image, "regions")));
    }

    public void Dispose() => _tmp.Dispose();
}
