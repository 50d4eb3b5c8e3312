using Zhuque.Interpose.Image;
using Zhuque.Launcher.Resume;
using Zhuque.Launcher.Supervision;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// `resume` in process with a stand-in for the native shim (a bash script,
/// as in SupervisorTests): how the shim is started, and how each way a
/// resume can end is recorded.
/// </summary>
public sealed class ResumeSupervisorTests(Programs programs) : IClassFixture<Programs>, IDisposable
{
    readonly TempDir _tmp = new();

    string Image => _tmp["img"];

    string Saved()
    {
        Directory.CreateDirectory(_tmp["cwd"]);
        return SavedImages.Create(Image, ZqState.Saved, programs.Static, _tmp["cwd"]);
    }

    /// <summary>
    /// A fake shim that records its argv, environment, working directory and
    /// inherited fds, then runs the given bash lines (with $2 the image dir fd).
    /// </summary>
    string FakeShim(string then)
    {
        var shim = _tmp["zhuque-shim"];
        File.WriteAllText(shim, $$"""
            #!/bin/bash
            printf '%s\n' "$@" > '{{_tmp["argv"]}}'
            tr '\0' '\n' < /proc/$$/environ > '{{_tmp["environ"]}}'
            readlink /proc/$$/cwd > '{{_tmp["cwd.seen"]}}'
            readlink /proc/self/fd/$2 /proc/self/fd/$3 > '{{_tmp["fds"]}}'
            {{then}}
            """);
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return shim;
    }

    /// <summary>A context template the fake shim copies over the image's, as the runtime would have changed it.</summary>
    string Template(ZqState state, uint failures, int exitStatus = 0)
    {
        var path = _tmp[$"template-{state}"];
        var header = ContextBuilder.Header(state, 5555, ContextBuilder.TypicalRegions) with
        {
            Failures = failures,
            Resumes = 1,
            ExitStatus = exitStatus,
            SavedNs = 1_800_000_000_123_000_000UL,
            SaveNs = 1_250_000,
            SyncNs = 250_000,
        };
        ContextBuilder.Write(path, header, ContextBuilder.TypicalRegions,
            threads: state == ZqState.Saved ? [ContextBuilder.Thread(5555, Layout.StackTop - 0x800), ContextBuilder.Thread(5556, Layout.StackTop - 0x800, 35)] : null);
        return path;
    }

    int Resume(string shim, double? failAfter = null) =>
        new ResumeCommand(new ResumeRequest(Image, failAfter, Verbose: false), shim).Execute();

    bool MemoryKept => File.Exists(Path.Combine(Image, "regions", "stack"));

    [Fact]
    public void TheShimGetsResumeTheFdsAndTheProgramAnEmptyEnvironmentAndTheSavedDirectory()
    {
        Saved();
        Assert.Equal(0, Resume(FakeShim("exit 0")));
        var argv = File.ReadAllLines(_tmp["argv"]);
        Assert.Equal("resume", argv[0]);
        Assert.Equal(programs.Static, argv[3]);
        Assert.Equal(4, argv.Length);
        Assert.Equal([Image, Path.Combine(Image, "lock")], File.ReadAllLines(_tmp["fds"]));
        Assert.Equal("", File.ReadAllText(_tmp["environ"]));
        Assert.Equal(_tmp["cwd"], File.ReadAllText(_tmp["cwd.seen"]).Trim());
    }

    [Fact]
    public void AShimThatRefusesLeavesTheImageSavedAndPassesItsStatusThrough()
    {
        Saved();
        var before = SavedImages.Snapshot(Image);
        Assert.Equal(125, Resume(FakeShim("echo 'zhuque: the vDSO moved' >&2; exit 125")));
        var after = SavedImages.Snapshot(Image);
        after.Remove("manifest.json");
        before.Remove("manifest.json");
        Assert.Equal(before, after);
        var history = SavedImages.ReadManifest(Image).History;
        Assert.Equal(["run", "failure", "resume", "resume-failed"], history.Select(h => h.Event));
        Assert.Equal(125, history[^1].Status);
        Assert.Equal(history[^2].Pid, history[^1].Pid);
    }

    [Fact]
    public void AShimKilledBeforeTheProgramContinuesAlsoKeepsTheSave()
    {
        Saved();
        Assert.Equal(137, Resume(FakeShim("kill -9 $$")));
        Assert.True(MemoryKept);
        Assert.Equal("resume-failed", SavedImages.ReadManifest(Image).History[^1].Event);
        using var h = File.OpenHandle(Path.Combine(Image, "context"));
        Assert.Equal(ZqState.Saved, ContextReader.Read(h).State);
    }

    [Fact]
    public void AResumedProgramThatExitsReleasesItsMemory()
    {
        Saved();
        var template = Template(ZqState.Exited, failures: 1, exitStatus: 3);
        Assert.Equal(3, Resume(FakeShim($"cp --sparse=always '{template}' /proc/self/fd/$2/context; exit 3")));
        Assert.False(MemoryKept);
        Assert.Equal(["run", "failure", "resume", "exit"], SavedImages.ReadManifest(Image).History.Select(h => h.Event));
    }

    [Fact]
    public void ANewFailureAfterTheResumeIsRecordedWithItsTimeAndCost()
    {
        Saved();
        var template = Template(ZqState.Saved, failures: 2);
        Assert.Equal(158, Resume(FakeShim($"cp --sparse=always '{template}' /proc/self/fd/$2/context; kill -PWR $$")));
        Assert.True(MemoryKept);
        var last = SavedImages.ReadManifest(Image).History[^1];
        Assert.Equal("failure", last.Event);
        Assert.Equal(158, last.Status);
        Assert.Equal("2 threads, saved in 1.25 ms (msync 0.25 ms)", last.Detail);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_123).UtcDateTime, last.Time);
    }

    [Fact]
    public void FailAfterSendsSigpwrToTheChild()
    {
        Saved();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The fake's "program" sleeps; without a runtime, SIGPWR kills it (state running → lost):
        // a power failure that was not saved, 117, never 158.
        var template = Template(ZqState.Running, failures: 1);
        var status = Resume(FakeShim($"cp --sparse=always '{template}' /proc/self/fd/$2/context; exec sleep 30"), failAfter: 0.2);
        Assert.Equal(117, status);
        Assert.InRange(clock.ElapsedMilliseconds, 150, 20_000);
        var last = SavedImages.ReadManifest(Image).History[^1];
        Assert.Equal("lost", last.Event);
        Assert.Contains("SIGPWR", last.Detail);
    }

    [Fact]
    public void AFailureTimerDisposedInTimeSendsNothing()
    {
        using var sleeper = System.Diagnostics.Process.Start("sleep", "30");
        try
        {
            using (new FailureTimer(sleeper.Id, 0.2, Serilog.Core.Logger.None))
            {
            }
            Thread.Sleep(400);
            Assert.False(sleeper.HasExited);
            using (new FailureTimer(sleeper.Id, 0.05, Serilog.Core.Logger.None))
                Assert.True(sleeper.WaitForExit(10_000), "SIGPWR did not arrive");
        }
        finally
        {
            if (!sleeper.HasExited)
                sleeper.Kill();
        }
    }

    public void Dispose() => _tmp.Dispose();
}
