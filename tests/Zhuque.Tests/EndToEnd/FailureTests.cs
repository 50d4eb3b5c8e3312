using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Power failures as exceptions: a failed and resumed program computes
/// what an uninterrupted one computes, its blocked threads carry on, and
/// its own SIGPWR handler runs once after each resume.
/// </summary>
public sealed class FailureTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    Interrupter Interrupter(string name = "img") => new(_tmp["state"], _tmp[name]);

    /// <summary>Several runs of the torture program, at least 50 random failures in all.</summary>
    [Fact]
    public void TortureSurvivesFiftyRandomFailures()
    {
        const string rounds = "300";
        var want = Proc.Run(programs.Native("torture"), [rounds]);
        Assert.True(want.ExitCode == 0, want.ToString());
        var random = new Random();
        var total = 0;
        for (var run = 0; total < 50; run++)
        {
            var delays = Enumerable.Range(0, 30).Select(_ => 0.005 + random.NextDouble() * 0.05);
            var r = Interrupter($"torture{run}").Run(programs.Zhuque("torture"), [rounds], delays);
            Assert.True(r.ExitCode == 0, r.ToString());
            var got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            Assert.True(want.Stdout.Trim() == got, $"after {r.Failures} failures: {got}, native: {want.Stdout}");
            total += r.Failures;
        }
    }

    [Fact]
    public void TheProgramsPowerHandlerRunsOnceAfterEachResume()
    {
        var r = Interrupter().Run(programs.Zhuque("power_handler"), ["3"], [0.4, 0.4, 0.4]);
        Assert.True(r.ExitCode == 0 && r.Failures == 3, r.ToString());
        Assert.Contains("power handler calls: 3", r.Stdout);
    }

    /// <summary>A thread in pthread_cond_wait, one in nanosleep and the main thread in read(stdin).</summary>
    [Fact]
    public void BlockedThreadsCarryOn()
    {
        var r = Interrupter().Run(programs.Zhuque("blocked"), [], [0.5], stdinOnResume: "hello\n");
        Assert.True(r.ExitCode == 0 && r.Failures == 1, r.ToString());
        Assert.Equal(["ready", "read: hello", "cond: woken", "sleep: done"],
            r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>Failed at once after start, or in a constructor, the program still reaches main.</summary>
    [Theory]
    [InlineData(0.0005)]
    [InlineData(0.003)]
    [InlineData(0.3)]
    public void AFailureBeforeMainResumes(double after)
    {
        var r = Interrupter().Run(programs.Zhuque("early"), [], [after]);
        Assert.True(r.ExitCode == 0 && r.Failures == 1, r.ToString());
        Assert.Equal("main: set before main\n", r.Stdout);
    }

    public void Dispose() => _tmp.Dispose();
}
