using System.Diagnostics;
using System.Globalization;
using Serilog;
using Serilog.Core;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Crash;

/// <summary>
/// `zhuque crash`: a simulated power failure of a running image. SIGPWR
/// goes to the pid in the context header, through a pidfd and only once
/// that process is seen holding the image's lock; then crash waits until
/// the lock is free (the program and its supervising zhuque have both
/// finished, so the state is final) and reports whether the failure was
/// saved. It never writes to the image except its log.
/// </summary>
public sealed class CrashCommand(CrashRequest request, TextWriter output)
{
    static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    public int Execute()
    {
        using var console = LogFactory.Console(request.Verbose);
        Logger? fileLog = null;
        ILogger log = console;
        try
        {
            var clock = Stopwatch.StartNew();
            using var dir = ImageDirectory.OpenExisting(ImageRoot.Locate(request.Image));
            fileLog = LogFactory.ConsoleAndFile(request.Verbose, dir);
            log = fileLog;
            var pid = WaitUntilRunning(dir, clock);
            ImageOwner.SendPowerFailure(dir, pid);
            log.Information("crash: sent SIGPWR to pid {Pid} of {Image}", pid, dir.Path);
            WaitUntilReleased(dir, pid, clock);
            return Report(dir, log);
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

    /// <summary>
    /// The pid of the running program. While the lock is held and the state
    /// is anything else (a run or resume starting: no context yet, new, or
    /// still saved; or a process ending), it waits; once nobody holds the
    /// lock the image is not running.
    /// </summary>
    int WaitUntilRunning(ImageDirectory dir, Stopwatch clock)
    {
        while (true)
        {
            var held = ImageLock.IsHeld(dir);
            Context? context;
            try
            {
                context = ContextFile.Read(dir);
            }
            catch (ZhuqueException e) when (e.Code == ReturnCode.ImageCorrupt && held)
            {
                context = null; // being created by the shim right now
            }
            if (!held)
                throw new ZhuqueException(ReturnCode.ImageNeedsFresh,
                    $"image {dir.Path} is not running (state {(context is null ? "none" : ContextFile.StateName(context.State))})");
            // The context names the program's pid inside its namespace;
            // no process with that pid holds the lock: nothing is signalled.
            if (context is { State: ZqState.Running, Header.Pid: > 0 })
                return LockHolder.Program(dir, context.Header.Pid) ?? (ImageLock.IsHeld(dir)
                    ? throw new ZhuqueException(ReturnCode.UsageOrInternal,
                        $"pid {context.Header.Pid} named by image {dir.Path} does not hold its lock; not signalling it")
                    : throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} is not running (pid {context.Header.Pid} ended)"));
            Sleep(dir, clock, "to run");
        }
    }

    /// <summary>
    /// Until the lock is free. A program stopped by SIGSTOP takes no signal
    /// until it continues: on timeout, that is said apart (the failure is
    /// not lost, it is pending), with its own code.
    /// </summary>
    void WaitUntilReleased(ImageDirectory dir, int pid, Stopwatch clock)
    {
        while (ImageLock.IsHeld(dir))
        {
            if (clock.Elapsed >= request.Timeout && StoppedProcess.Read(pid) is { Stopped: true } stopped)
                throw new ZhuqueException(ReturnCode.CrashPending, stopped.PowerPending
                    ? $"SIGPWR was delivered to pid {pid} of image {dir.Path} and is pending: the program is stopped; it will be saved when it continues (SIGCONT)"
                    : $"pid {pid} of image {dir.Path} is stopped while its failure is being saved; it will be saved when it continues (SIGCONT)");
            Sleep(dir, clock, "to be saved");
        }
    }

    void Sleep(ImageDirectory dir, Stopwatch clock, string what)
    {
        if (clock.Elapsed >= request.Timeout)
            throw new ZhuqueException(ReturnCode.UsageOrInternal, string.Create(CultureInfo.InvariantCulture,
                $"timed out after {request.Timeout.TotalSeconds:0.###} s waiting for image {dir.Path} {what}"));
        Thread.Sleep(Poll);
    }

    int Report(ImageDirectory dir, ILogger log)
    {
        var context = ContextFile.Read(dir);
        if (context is { State: ZqState.Lost } && context.Header.LostReason != (uint)ZqLost.None)
            throw new ZhuqueException(ReturnCode.PowerFailureNotSaved, LostCapture.Line(context.Header, dir.Path));
        if (context?.State != ZqState.Saved)
        {
            var state = context is null ? "none" : ContextFile.StateName(context.State);
            throw new ZhuqueException(ReturnCode.ImageNeedsFresh,
                $"image {dir.Path} was not saved: its process ended with the image {state}");
        }
        var line = string.Create(CultureInfo.InvariantCulture,
            $"saved {dir.Path}: {ExitRecorder.Threads(context.Header.ThreadCount)} in {context.Header.SaveNs / 1e6:0.0} ms");
        log.Information("crash: {Line}", line);
        output.WriteLine(line);
        return (int)ReturnCode.Success;
    }
}
