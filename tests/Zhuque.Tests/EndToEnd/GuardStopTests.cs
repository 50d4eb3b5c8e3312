using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// Issue 17: the guard's price is its ptrace stops, which it counts in the
/// image's zhuque.log at the program's end. A thread made by
/// pthread_create costs two, its birth and its exit: the runtime passes
/// CLONE_UNTRACED|CLONE_PTRACE, so its creator does not stop at a clone
/// event and the thread is still traced from birth (its exit stops, where
/// a SIGKILL is saved). A thread made any other way is still traced, by
/// its clone event.
/// </summary>
public sealed class GuardStopTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");

    [Fact]
    public void APthreadCostsTheGuardItsBirthAndItsExitOnly()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["threads"], "--", programs.Zhuque("bench_guard"), "threads", "200");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("[guard] ptrace stops: 0 clone, 200 new thread, 201 exit, 0 signal", Stops("threads"));
    }

    [Fact]
    public void AThreadMadeByABareCloneIsTracedFromBirthToo()
    {
        var r = ZhuqueCli.Run(_tmp["state"], "run", "--image", _tmp["raw"], "--", programs.Zhuque("raw_clone"));
        Assert.True(r.ExitCode == 0 && r.Stdout == "PASS\n", r.ToString());
        Assert.Equal("[guard] ptrace stops: 1 clone, 1 new thread, 2 exit, 0 signal", Stops("raw"));
    }

    string Stops(string image) =>
        File.ReadAllLines(Path.Combine(_tmp[image], "zhuque.log")).Single(l => l.StartsWith("[guard] ptrace stops:", StringComparison.Ordinal));

    public void Dispose() => _tmp.Dispose();
}
