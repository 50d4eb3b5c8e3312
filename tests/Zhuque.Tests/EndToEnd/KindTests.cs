using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// One program per kind of kernel object (tests/c/kinds, found there), in the manner
/// of CRIU's zdtm: it sets the object up, is failed at a moment while it
/// holds it or is blocked on it, is resumed, and checks the object itself.
/// </summary>
public sealed class KindTests(KindPrograms programs) : IClassFixture<KindPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    public static TheoryData<string, double> Cases()
    {
        var data = new TheoryData<string, double>();
        // Every scenario in tests/c/kinds: a new file there is a new case.
        var kinds = Directory.GetFiles(Path.Combine(Repo.Root, "tests", "c", "kinds"), "*.c")
            .Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);
        foreach (var kind in kinds)
            foreach (var at in new[] { 0.15, 0.5, 0.9 })
                data.Add(kind, at);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheObjectIsAsItWasAfterResume(string kind, double failAfter)
    {
        var work = Directory.CreateDirectory(_tmp["work"]).FullName;
        var r = new Interrupter(_tmp["state"], _tmp["img"]).Run(programs.Get(kind), [work, "resumed"], [failAfter]);
        Assert.True(r.Failures == 1, $"the failure did not hit: {r}");
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    /// <summary>
    /// The same scenarios killed by SIGKILL, sent to the program's own pid:
    /// the guard saves them from outside, and they resume as from a SIGPWR.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void TheObjectIsAsItWasAfterASigkill(string kind, double killAfter)
    {
        var work = Directory.CreateDirectory(_tmp["work"]).FullName;
        var r = new Interrupter(_tmp["state"], _tmp["img"], killWith: 9).Run(programs.Get(kind), [work, "resumed"], [killAfter]);
        Assert.True(r.Failures == 1, $"the kill did not hit, or was not saved: {r}");
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void CallsThatCannotPersistFailWithENOSYSAndAreLogged()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", programs.Get("refused", "refusals"));
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
        var log = File.ReadAllText(Path.Combine(_tmp["img"], "zhuque.log"));
        foreach (var call in new[] { "fork", "shmget", "io_uring_setup", "execve" })
        {
            Assert.Contains($"{call}() refused (ENOSYS)", log);
            // The first refusal of a kind is on the program's stderr too, once.
            Assert.Single(r.StderrLines, l => l.StartsWith($"zhuque: {call}() is not supported", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ForkAndExecAreRefusedBelowLibcWhileSpawnedProgramsMayFork()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", programs.Get("raw", "refusals"));
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
        var log = File.ReadAllText(Path.Combine(_tmp["img"], "zhuque.log"));
        foreach (var call in new[] { "fork", "clone", "execve" })
            Assert.Contains($"{call}() refused (ENOSYS)", log);
    }

    [Fact]
    public void ASpawnedChildStuckBeforeItsExecHoldsNoneOfTheImagesDescriptors()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["img"], "--", programs.Get("spawnlock", "refusals"));
        Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), r.ToString());
    }

    [Fact]
    public void AProgramThatClosesEveryDescriptorKeepsItsImageLocked()
    {
        var env = new Dictionary<string, string> { ["XDG_STATE_HOME"] = _tmp["state"] };
        using var run = new LineProcess(Repo.Zhuque, ["run", "--image", _tmp["img"], "--", programs.Get("closefds")], env);
        Assert.Equal("closed", run.ReadLine());
        Assert.Contains("in use", ZhuqueCli.AssertOneLineError(ZhuqueCli.Run(_tmp["state"], "rm", _tmp["img"]), 121));
        var crash = ZhuqueCli.Run(_tmp["state"], "crash", _tmp["img"]);
        Assert.True(crash.ExitCode == 0, crash.ToString());
        Assert.Equal(158, run.WaitForExit());
        var resumed = ZhuqueCli.Run(_tmp["state"], "resume", _tmp["img"]);
        Assert.True(resumed.ExitCode == 0 && resumed.Stdout.EndsWith("PASS\n", StringComparison.Ordinal), resumed.ToString());
    }

    public void Dispose() => _tmp.Dispose();
}

/// <summary>The programs of tests/c/kinds, built once with zhuque-cc.</summary>
public sealed class KindPrograms : IDisposable
{
    readonly TempDir _dir = new();
    readonly Dictionary<string, string> _built = [];
    readonly Lock _lock = new();

    public string Get(string kind, string folder = "kinds")
    {
        lock (_lock)
        {
            if (_built.TryGetValue(kind, out var path))
                return path;
            var cc = Path.Combine(Repo.Root, "build", "bin", "zhuque-cc");
            path = _dir[kind];
            var r = Proc.Run(cc, ["-O2", "-pthread", "-o", path, Path.Combine(Repo.Root, "tests", "c", folder, kind + ".c")]);
            Assert.True(r.ExitCode == 0, r.ToString());
            _built[kind] = path;
            return path;
        }
    }

    public void Dispose() => _dir.Dispose();
}
