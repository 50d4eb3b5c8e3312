using System.Runtime.InteropServices;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// Passes termination signals sent to zhuque on to the program, and keeps
/// zhuque alive (context.Cancel) so it can record how the program ended.
/// SIGTERM is always forwarded: it is sent to zhuque's pid alone (kill,
/// systemd). SIGINT, SIGHUP and SIGQUIT are forwarded only when zhuque is
/// not in the terminal's foreground group: when it is, the terminal has
/// already sent them to the whole group, program included, and forwarding
/// would deliver them twice. SIGUSR1 and SIGUSR2 (memcached's graceful stop
/// is SIGUSR1) and SIGPWR (a UPS daemon's power failure) are always
/// forwarded too. A signal that comes before the program exists is held and
/// sent once it does.
/// </summary>
public sealed class SignalForwarder : IDisposable
{
    readonly PosixSignalRegistration[] _registrations;
    readonly Lock _gate = new();
    int _child;
    int _pending;

    public SignalForwarder()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Forward(c, Signals.SIGTERM, always: true)),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Forward(c, Signals.SIGINT, always: false)),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Forward(c, Signals.SIGHUP, always: false)),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => Forward(c, Signals.SIGQUIT, always: false)),
            PosixSignalRegistration.Create((PosixSignal)Signals.SIGUSR1, c => Forward(c, Signals.SIGUSR1, always: true)),
            PosixSignalRegistration.Create((PosixSignal)Signals.SIGUSR2, c => Forward(c, Signals.SIGUSR2, always: true)),
            PosixSignalRegistration.Create((PosixSignal)Signals.SIGPWR, c => Forward(c, Signals.SIGPWR, always: true)),
        ];
    }

    /// <summary>The program now exists: signals go to it, starting with one that came early.</summary>
    public void Attach(int pid)
    {
        int pending;
        lock (_gate)
        {
            _child = pid;
            pending = _pending;
            _pending = 0;
        }
        if (pending != 0)
            Libc.Kill(pid, pending);
    }

    void Forward(PosixSignalContext context, int signal, bool always)
    {
        context.Cancel = true;
        if (!always && Terminal.IsForeground())
            return;
        int child;
        lock (_gate)
        {
            child = _child;
            if (child == 0)
                _pending = signal;
        }
        if (child != 0)
            Libc.Kill(child, signal);
    }

    public void Dispose()
    {
        foreach (var r in _registrations)
            r.Dispose();
    }
}
