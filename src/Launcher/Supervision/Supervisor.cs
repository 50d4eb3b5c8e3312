using Serilog;
using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// Starts the shim and supervises it to the end, for run and resume alike:
/// signals are forwarded, --fail-after fires, the start and the end are
/// recorded in the manifest, and zhuque's exit status is chosen. The caller
/// holds the image lock (its fd is in the launch) for the whole time.
/// </summary>
public static class Supervisor
{
    public static int Supervise(ImageDirectory dir, ShimLaunch launch, Manifest manifest, SupervisedStart start, ILogger log)
    {
        int pid;
        using (var forwarder = new SignalForwarder())
        {
            pid = ShimSpawner.Spawn(launch);
            forwarder.Attach(pid);
            // Disposed before the child is reaped, so its SIGPWR cannot reach a reused pid.
            using var failure = start.FailAfter is { } seconds ? new FailureTimer(pid, seconds, log) : null;
            using var writer = DirtyWriter.Start(dir, start.DirtyLimit, log);
            log.Information("{Event}: started {Program} as pid {Pid} in {Image}", start.Event, manifest.Program, pid, dir.Path);
            manifest = manifest.Append(new HistoryEntry(DateTime.UtcNow, start.Event, pid));
            TryWrite(dir, manifest, log);
            ChildWaiter.WaitUntilEnded(pid);
        }
        var status = ChildWaiter.Reap(pid);
        var result = ExitRecorder.Record(dir, status, pid, manifest, start, log);
        TryWrite(dir, result.Manifest, log);
        log.Information("pid {Pid} ended (wait status 0x{Status:x}); zhuque returns {Code}", pid, status.Raw, result.ExitStatus);
        return result.ExitStatus;
    }

    /// <summary>
    /// The program runs, or has ended, already: a failed write (a full
    /// disk) is logged, never a reason to stop supervising or to change
    /// the exit status; the old manifest stays whole (ManifestStore).
    /// </summary>
    static void TryWrite(ImageDirectory dir, Manifest manifest, ILogger log)
    {
        try
        {
            ManifestStore.Write(dir, manifest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning("cannot record the {Event} in {Manifest}: {Message}", manifest.History[^1].Event, dir.File(ImageFiles.Manifest), e.Message);
        }
    }
}
