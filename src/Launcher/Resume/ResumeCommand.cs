using Serilog;
using Serilog.Core;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Resume;

/// <summary>
/// `zhuque resume`: open and lock the image, check that it holds a saved
/// failure of the very program and directory it names (SavedImage), then
/// start the shim's resume in the saved working directory with an empty
/// environment (the program's own is in its memory) and supervise it
/// exactly as run does. Every refusal comes before the shim starts and
/// leaves the image as it was (zhuque.log gets the line).
/// </summary>
public sealed class ResumeCommand(ResumeRequest request, string shimPath, string? guardPath = null)
{
    public int Execute()
    {
        using var console = LogFactory.Console(request.Verbose);
        Logger? fileLog = null;
        ILogger log = console;
        try
        {
            using var dir = ImageDirectory.OpenExisting(ImageRoot.Locate(request.Image));
            fileLog = LogFactory.ConsoleAndFile(request.Verbose, dir);
            log = fileLog;
            using var imageLock = ImageLock.Acquire(dir);
            var saved = SavedImage.Check(dir);
            SnapshotOrigin.Check(saved);
            log.Debug("resuming {Image}: {Threads} saved by pid {Pid}", dir.Path,
                ExitRecorder.Threads(saved.Context.Header.ThreadCount), saved.Context.Header.Pid);
            var launch = ShimSpawner.Resume(shimPath, dir.Fd, imageLock.Fd, saved.Manifest.Program, saved.Manifest.Cwd);
            launch = guardPath is null ? CgroupOption.Unguarded(launch, request.Cgroup)
                : ShimSpawner.Guarded(launch, guardPath, dir.Fd, request.EndOnSignal, request.Cgroup);
            return Supervisor.Supervise(dir, launch, saved.Manifest,
                SupervisedStart.Resume(saved.Context.Header.Failures, request.FailAfter), log);
        }
        catch (Exception e)
        {
            return (int)Failures.Report(log, e);
        }
        finally
        {
            fileLog?.Dispose();
        }
    }
}
