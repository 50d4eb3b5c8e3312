using Serilog;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Run;

/// <summary>
/// After the program is gone: settles the image's state from the wait status
/// and what the runtime wrote, releases memory only after a normal exit, and
/// picks zhuque's exit status. A saved failure is never released, however
/// the process ended afterwards.
/// </summary>
public static class ExitRecorder
{
    public static RunResult Record(ImageDirectory dir, WaitStatus status, int pid, Manifest manifest, ILogger log)
    {
        using var handle = ContextFile.Open(dir, Libc.O_RDWR);
        Context? context = null;
        if (handle is not null)
        {
            try
            {
                context = ContextFile.Read(dir, handle);
            }
            catch (ZhuqueException e)
            {
                log.Warning("{Message}", e.Message);
            }
        }
        var now = DateTime.UtcNow;

        if (context?.State == ZqState.Saved)
        {
            var code = (int)ReturnCode.PowerFailureSaved;
            log.Warning("power failure saved; resume with: zhuque resume {Image}", dir.Path);
            return new RunResult(code, manifest.Append(new HistoryEntry(now, HistoryEvents.Signal, pid, code, Describe(status))));
        }

        if (status.Exited)
        {
            if (context is not null && context.State != ZqState.Exited)
            {
                // The runtime did not get to record the exit itself (it died in
                // exit, or never started): record it, status first, then the state.
                ContextWriter.SetExitStatus(handle!, status.ExitCode);
                ContextWriter.SetState(handle!, ZqState.Exited);
            }
            ImagePreparer.ReleaseMemory(dir, log);
            var detail = context is null || context.State == ZqState.New ? "the program did not start" : null;
            return new RunResult(status.ExitCode,
                manifest.Append(new HistoryEntry(now, HistoryEvents.Exit, pid, status.ExitCode, detail)));
        }

        if (status.Signaled)
        {
            var faulted = Signals.IsFault(status.Signal);
            var state = faulted ? ZqState.Faulted : ZqState.Lost;
            if (context is not null)
                ContextWriter.SetState(handle!, state);
            var code = (int)ReturnCode.SignalBase + status.Signal;
            log.Warning("{Program} was killed by {Signal}; its image is kept as {State}: zhuque inspect {Image}",
                manifest.Program, Signals.Name(status.Signal), ContextFile.StateName(state), dir.Path);
            return new RunResult(code, manifest.Append(new HistoryEntry(now,
                faulted ? HistoryEvents.Faulted : HistoryEvents.Lost, pid, code, Describe(status))));
        }

        throw new InvalidOperationException($"unexpected wait status 0x{status.Raw:x} of pid {pid}");
    }

    static string Describe(WaitStatus status) =>
        status.Signaled ? $"killed by {Signals.Name(status.Signal)}" : $"exited with status {status.ExitCode}";
}
