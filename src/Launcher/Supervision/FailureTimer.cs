using Serilog;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// --fail-after: a simulated power failure, SIGPWR sent to the program a
/// given time after it was started. The signal can only reach our own
/// child: the supervisor disposes the timer after waitid(WNOWAIT) saw the
/// child end and before it reaps it, so until then the pid is the child's
/// (alive or a zombie, which ignores signals). Dispose waits for a
/// callback that is sending, so no signal leaves after it returns.
/// </summary>
public sealed class FailureTimer : IDisposable
{
    readonly Lock _gate = new();
    readonly Timer _timer;
    readonly ILogger _log;
    readonly double _seconds;
    int _pid;

    public FailureTimer(int pid, double seconds, ILogger log)
    {
        _pid = pid;
        _seconds = seconds;
        _log = log;
        _timer = new Timer(_ => Fire(), null, TimeSpan.FromSeconds(seconds), Timeout.InfiniteTimeSpan);
    }

    /// <summary>The longest delay a timer takes (about 49 days).</summary>
    public const double MaxSeconds = 4_294_967.294;

    void Fire()
    {
        lock (_gate)
        {
            if (_pid == 0)
                return;
            if (Libc.Kill(_pid, Signals.SIGPWR) == 0)
                _log.Information("--fail-after {Seconds} s: sent SIGPWR to pid {Pid}", _seconds, _pid);
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _pid = 0;
        _timer.Dispose();
    }
}
