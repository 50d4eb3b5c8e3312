using System.Text.Json;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// A failure is taken wherever it finds a thread, inside the runtime's own
/// sections too (mmap, mprotect, munmap, a detached thread freeing its
/// stack), as a SIGKILL would be: the resume maps what the region table
/// says and the thread finishes its section. The torture program's
/// "sections" mode hammers those calls; the image counts the failures
/// that caught a thread holding the runtime's lock (sectionsCaught).
/// </summary>
public sealed class SectionTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    [Fact]
    public void FailuresInsideRuntimeSectionsResumeToTheUninterruptedDigest()
    {
        string[] args = ["100", "sections"];
        var want = Proc.Run(programs.Native("torture"), args);
        Assert.True(want.ExitCode == 0, want.ToString());
        var random = new Random();
        int total = 0, inside = 0;
        for (var run = 0; total < 50; run++)
        {
            var image = _tmp[$"sections{run}"];
            var delays = Enumerable.Range(0, 40).Select(_ => 0.002 + random.NextDouble() * 0.03);
            var r = new Interrupter(_tmp["state"], image).Run(programs.Zhuque("torture"), args, delays);
            Assert.True(r.ExitCode == 0, r.ToString());
            var got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            Assert.True(want.Stdout.Trim() == got, $"after {r.Failures} failures: {got}, native: {want.Stdout}");
            total += r.Failures;
            inside += SectionsCaught(image);
        }
        Assert.True(inside >= 5, $"only {inside} of {total} failures found a thread inside a runtime section");
    }

    int SectionsCaught(string image)
    {
        var r = ZhuqueCli.Run(_tmp["state"], "inspect", "--json", image);
        Assert.True(r.ExitCode == 0, r.ToString());
        return JsonDocument.Parse(r.Stdout).RootElement.GetProperty("sectionsCaught").GetInt32();
    }

    public void Dispose() => _tmp.Dispose();
}
