using System.Globalization;
using Serilog;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// After the program is gone: settles the image's state from the wait status
/// and what the runtime wrote, releases memory only after a normal exit, and
/// picks zhuque's exit status. A saved failure is never released, however
/// the process ended afterwards; and a resume that ended before the program
/// continued (the shim refused, or died) leaves the image exactly as saved.
/// </summary>
public static class ExitRecorder
{
    /// <summary>The shim's own refusal statuses (native/shim/sys.h): it stopped before the program ran.</summary>
    static bool ShimRefused(WaitStatus status) =>
        status.Exited && status.ExitCode is (int)ReturnCode.UsageOrInternal or (int)ReturnCode.CannotExecute
            or (int)ReturnCode.ProgramChanged;

    public static RunResult Record(ImageDirectory dir, WaitStatus status, int pid, Manifest manifest, SupervisedStart start, ILogger log)
    {
        using var handle = ContextFile.Open(dir, Libc.O_RDWR);
        Context? context = null;
        if (handle is not null)
        {
            try
            {
                context = ContextFile.Read(dir, handle);
            }
            catch (ZhuqueException e) when (ShimRefused(status))
            {
                // The shim said why in its own line; a context it never finished is no news.
                log.Information("{Message}", e.Message);
            }
            catch (ZhuqueException e)
            {
                log.Warning("{Message}", e.Message);
            }
        }
        var now = DateTime.UtcNow;

        if (context?.State == ZqState.Saved)
        {
            if (start.SavedFailures is { } before && context.Header.Failures <= before)
            {
                // Still the failure we started from: the program never ran.
                var shimStatus = Code(status);
                log.Information("the resume of {Image} ended before the program continued ({How}); the image still holds its saved failure",
                    dir.Path, Describe(status));
                return new RunResult(shimStatus, manifest.Append(new HistoryEntry(now, HistoryEvents.ResumeFailed, pid, shimStatus, Describe(status))));
            }
            var code = (int)ReturnCode.PowerFailureSaved;
            log.Warning("power failure saved; resume with: zhuque resume {Image}", dir.Path);
            return new RunResult(code, manifest.Append(new HistoryEntry(
                context.LastSaved?.UtcDateTime ?? now, HistoryEvents.Failure, pid, code, DescribeFailure(context.Header, status))));
        }

        if (IsLostCapture(context, status))
        {
            // The runtime saw the failure and could not save it (it says
            // why in the header), or SIGPWR killed the process before the
            // runtime could take it: never 158, which says "saved".
            if (context is not null && context.State != ZqState.Lost)
                ContextWriter.SetState(handle!, ZqState.Lost);
            var code = (int)ReturnCode.PowerFailureNotSaved;
            var line = LostCapture.Line(context?.Header, dir.Path);
            log.Error("{Line}", line);
            return new RunResult(code, manifest.Append(new HistoryEntry(now, HistoryEvents.Lost, pid, code,
                $"{LostCapture.Reason(context?.Header ?? default) ?? "not saved"}; {Describe(status)}")));
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

        if (status.Signaled && start.SavedFailures is null && context is null or { State: ZqState.New })
        {
            // Killed while the shim was still loading it (the context not yet
            // written, or new): nothing ran, nothing is lost, and the next run
            // starts afresh (state new needs no --fresh).
            var code = Code(status);
            log.Warning("{Program} was killed by {Signal} before it started; run it again to start afresh",
                manifest.Program, Signals.Name(status.Signal));
            return new RunResult(code, manifest.Append(new HistoryEntry(now, HistoryEvents.Lost, pid, code,
                $"{Describe(status)} before the program started")));
        }

        if (status.Signaled)
        {
            var faulted = Signals.IsFault(status.Signal);
            var state = faulted ? ZqState.Faulted : ZqState.Lost;
            if (context is not null)
                ContextWriter.SetState(handle!, state);
            var code = Code(status);
            log.Warning("{Program} was killed by {Signal}; its image is kept as {State}: zhuque inspect {Image}",
                manifest.Program, Signals.Name(status.Signal), ContextFile.StateName(state), dir.Path);
            return new RunResult(code, manifest.Append(new HistoryEntry(now,
                faulted ? HistoryEvents.Faulted : HistoryEvents.Lost, pid, code, Describe(status))));
        }

        throw new InvalidOperationException($"unexpected wait status 0x{status.Raw:x} of pid {pid}");
    }

    /// <summary>A power failure that came and was not saved: the runtime recorded why, or SIGPWR itself killed the process.</summary>
    static bool IsLostCapture(Context? context, WaitStatus status) =>
        (context is { State: ZqState.Lost } && context.Header.LostReason != (uint)ZqLost.None)
        || (status.Signaled && status.Signal == Signals.SIGPWR);

    /// <summary>The status a shell would report: the exit status, or 128+N for signal N.</summary>
    static int Code(WaitStatus status) =>
        status.Signaled ? (int)ReturnCode.SignalBase + status.Signal : status.ExitCode;

    static string Describe(WaitStatus status) =>
        status.Signaled ? $"killed by {Signals.Name(status.Signal)}" : $"exited with status {status.ExitCode}";

    /// <summary>"2 threads, saved in 0.41 ms (msync 0.00 ms)", and how the process ended if not of the power failure.</summary>
    public static string DescribeFailure(ZqHeader header, WaitStatus status)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{Threads(header.ThreadCount)}, saved in {Milliseconds(header.SaveNs)} ms (msync {Milliseconds(header.SyncNs)} ms)");
        return status.Signaled && status.Signal == Signals.SIGPWR ? text : $"{text}; then {Describe(status)}";
    }

    public static string Threads(uint count) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} thread{(count == 1 ? "" : "s")}");

    public static string Milliseconds(ulong ns) => (ns / 1e6).ToString("0.00", CultureInfo.InvariantCulture);
}
