using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// SIGKILL, sent to the program's own pid at random moments, saved by the
/// guard: a killed and resumed torture program computes what an
/// uninterrupted one computes. A kill that lands while a thread is inside
/// the runtime's own sections leaves a lost image (its reason says so):
/// such a run is counted apart and started afresh, never taken for a
/// result, until those sections are resumable at every instruction; so is
/// a kill that lands before the shim has started the program.
/// </summary>
public sealed class KillTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    [Fact]
    public void TortureSurvivesFiftyRandomKills()
    {
        const string rounds = "300";
        var want = Proc.Run(programs.Native("torture"), [rounds]);
        Assert.True(want.ExitCode == 0, want.ToString());
        var random = new Random();
        int saved = 0, lost = 0;
        for (var run = 0; saved < 50; run++)
        {
            Assert.True(run < 2000, $"{saved} kills saved, {lost} lost inside the runtime, in {run} runs");
            var delays = Enumerable.Range(0, 30).Select(_ => 0.005 + random.NextDouble() * 0.06);
            var r = new Interrupter(_tmp["state"], _tmp[$"torture{run}"], killWith: 9).Run(programs.Zhuque("torture"), [rounds], delays);
            saved += r.Failures;
            if (r.ExitCode == 117 && r.Stderr.Contains("killed inside the runtime", StringComparison.Ordinal))
            {
                lost++;
                continue;
            }
            if (r.ExitCode == 137 && r.Stderr.Contains("before it started", StringComparison.Ordinal))
                continue; // killed while the shim was loading it: nothing ran
            Assert.True(r.ExitCode == 0, r.ToString());
            var got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            Assert.True(want.Stdout.Trim() == got, $"after {r.Failures} kills: {got}, native: {want.Stdout}");
        }
    }

    public void Dispose() => _tmp.Dispose();
}
