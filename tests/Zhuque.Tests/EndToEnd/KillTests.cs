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
            var r = new Interrupter(_tmp["state"], _tmp[$"torture{run}"], killWith: 9).Run(programs.Zhuque("torture"), [rounds], delays,
                afterSave: () => ThreadListWhole($"torture{run}"));
            saved += r.Failures;
            if (r.ExitCode == 117 && r.Stderr.Contains("killed inside the runtime", StringComparison.Ordinal))
            {
                lost++;
                continue;
            }
            if (r.ExitCode == 137 && r.Stderr.Contains("before it started", StringComparison.Ordinal))
                continue; // killed while the shim was loading it: nothing ran
            Assert.True(r.ExitCode == 0,
                $"{r}\nzhuque.log: {Log($"torture{run}")}\ninspect: {ZhuqueCli.Run(_tmp["state"], "inspect", _tmp[$"torture{run}"]).Stdout}");
            var got = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
            Assert.True(want.Stdout.Trim() == got, $"after {r.Failures} kills: {got}, native: {want.Stdout}");
        }
    }

    /// <summary>
    /// Threads creating and joining threads without a pause, killed 40
    /// times: a kill while a thread holds musl's thread list lock (in
    /// pthread_create or pthread_exit) is saved with the lock held, and a
    /// clone that a kill ended with EINTR is restarted, never seen
    /// (pthread_create failed). Every other resume is killed within 10 ms,
    /// mostly before the program runs again: that image must stay as it
    /// was saved, though the shim's threads die through the lock word
    /// (the kernel's clear_child_tid): it read free at the next resume,
    /// and a new thread unlinked itself before its creator had linked it
    /// (SIGSEGV in pthread_exit, about once in 50 such kills). Each image a
    /// kill saved must hold musl's thread list whole (ThreadListWhole).
    /// </summary>
    [Fact]
    public void ThreadsCreatingThreadsSurviveKills()
    {
        var random = new Random();
        int saved = 0;
        for (var run = 0; saved < 40; run++)
        {
            Assert.True(run < 400, $"only {saved} kills saved in {run} runs");
            var delays = Enumerable.Range(0, 10).Select(i => i % 2 == 1 ? 0.001 + random.NextDouble() * 0.009 : 0.01 + random.NextDouble() * 0.08);
            var r = new Interrupter(_tmp["state"], _tmp[$"churn{run}"], killWith: 9).Run(programs.Zhuque("clone_churn"), [], delays,
                afterSave: () => ThreadListWhole($"churn{run}"));
            saved += r.Failures;
            if (r.ExitCode == 117 && r.Stderr.Contains("killed inside the runtime", StringComparison.Ordinal))
                continue;
            // A thread's exit stop let go by the guard's continue for the
            // stop before (native/guard/save.c, thread_list_seen): lost, said.
            if (r.ExitCode == 117 && r.Stderr.Contains("died unseen by the guard", StringComparison.Ordinal))
                continue;
            if (r.ExitCode == 137 && r.Stderr.Contains("before it started", StringComparison.Ordinal))
                continue;
            Assert.True(r.ExitCode == 0 && r.Stdout.EndsWith("PASS\n", StringComparison.Ordinal),
                $"{r}\nzhuque.log: {Log($"churn{run}")}\ninspect: {ZhuqueCli.Run(_tmp["state"], "inspect", _tmp[$"churn{run}"]).Stdout}");
        }
    }

    /// <summary>
    /// A kill after the main thread created and joined 4,200 threads and
    /// ended with pthread_exit while a worker goes on (tests/c/leader_exits.c).
    /// The ended leader stays listed in /proc/PID/task until the process is
    /// gone and never stops again: the guard's list of threads it let go
    /// was full after 4,096 and never emptied, so it waited its 5 s and gave
    /// the death up as lost; and the leader has no memory or descriptors
    /// left, so the save reads the process through a held thread.
    /// </summary>
    [Fact]
    public void AKillAfterTheLeaderEndedAndThousandsOfThreadsCameAndWentIsSaved()
    {
        var r = new Interrupter(_tmp["state"], _tmp["leader"], killWith: 9).Run(programs.Zhuque("leader_exits"), ["4200", "6"], [3.0],
            afterSave: () => ThreadListWhole("leader"));
        Assert.DoesNotContain("did not all stop", r.Stderr, StringComparison.Ordinal);
        Assert.True(r.ExitCode == 0 && r.Failures == 1 && r.Stdout == "PASS\n", $"{r}\nzhuque.log: {Log("leader")}");
    }

    /// <summary>
    /// Kills while the program maps 256 MiB at a time: most land inside
    /// tmpfs's fallocate (the file space an image mapping takes), which the
    /// kill ends with EINTR. The resumed thread is inside the runtime's
    /// section and must redo the call (native/runtime/reserve.c): without
    /// that, mmap failed with EINTR after the resume.
    /// </summary>
    [Fact]
    public void AKillInsideTheRuntimesFallocateIsRedoneAfterTheResume()
    {
        var random = new Random();
        for (var run = 0; run < 3; run++)
        {
            var delays = new[] { 0.2 + random.NextDouble() * 0.6 };
            var r = new Interrupter(_tmp["state"], _tmp[$"fallocate{run}"], killWith: 9).Run(programs.Zhuque("mmap_under_signals"), ["10"], delays);
            Assert.True(r.ExitCode == 0 && r.Stdout == "PASS\n", $"{r}\nzhuque.log: {Log($"fallocate{run}")}");
        }
    }

    /// <summary>
    /// Arena space held between a munmap and the next mmap
    /// (native/runtime/hold.c) under kills: tests/c/kinds/reused_memory
    /// (maps of every size and use, unmapped, mapped again, each checked
    /// to read zero) killed 6 times a run, three runs. A held range whose
    /// stored pages were not zeroed (the zeroing skipped) read 0xa5 here.
    /// </summary>
    [Fact]
    public void MemoryMappedAgainReadsZeroAcrossKills()
    {
        var random = new Random();
        for (var run = 0; run < 3; run++)
        {
            var delays = Enumerable.Range(0, 6).Select(_ => 0.05 + random.NextDouble() * 0.2);
            var r = new Interrupter(_tmp["state"], _tmp[$"reused{run}"], killWith: 9).Run(programs.Zhuque("reused_memory_killed"), [], delays);
            if (r.ExitCode == 137 && r.Stderr.Contains("before it started", StringComparison.Ordinal))
                continue; // killed while the shim was loading it: nothing ran
            Assert.True(r.ExitCode == 0 && r.Stdout == "PASS\n", $"{r}\nzhuque.log: {Log($"reused{run}")}");
        }
    }

    /// <summary>
    /// A thread killed at the first instruction of the runtime's exit tail
    /// (tests/c/exit_tail_start.c parks one there, behind a pause, with r12
    /// and r13 naming other live memory): the guard finishes its tail and
    /// must take the stack from the tail's arguments (rdi, rsi), since the
    /// tail has not yet moved them to r12 and r13. It punched the live
    /// memory named by the stale registers: the resumed program read 0s.
    /// </summary>
    [Fact]
    public void AKillAtTheStartOfTheExitTailGivesBackOnlyThatThreadsStack()
    {
        var r = new Interrupter(_tmp["state"], _tmp["tail"], killWith: 9).Run(programs.Zhuque("exit_tail_start"), ["4"], [1.5]);
        Assert.True(r.ExitCode == 0 && r.Failures == 1 && r.Stdout == "ready\nPASS\n", $"{r}\nzhuque.log: {Log("tail")}");
    }

    /// <summary>
    /// A saved image must hold musl's thread list whole (MuslThreadList): a
    /// resumed thread unlinks itself in pthread_exit through those links.
    /// Checked at each save, so that a broken list is seen in the image that
    /// has it, with the kill that made it, not as a SIGSEGV resumes later.
    /// </summary>
    void ThreadListWhole(string image)
    {
        var broken = MuslThreadList.Check(_tmp[image]);
        Assert.True(broken is null, $"{image}: musl's thread list is not whole in the saved image:\n{broken}\nzhuque.log: {Log(image)}");
    }

    string Log(string image)
    {
        var path = Path.Combine(_tmp[image], "zhuque.log");
        return File.Exists(path) ? string.Join('\n', File.ReadAllLines(path).TakeLast(12)) : "(none)";
    }

    public void Dispose() => _tmp.Dispose();
}
