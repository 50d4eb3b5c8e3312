using Zhuque.Interpose.Image;

namespace Zhuque.Launcher.Supervision;

/// <summary>Linux x86_64 signal numbers the launcher names or decides on.</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGILL = 4;
    public const int SIGTRAP = 5;
    public const int SIGABRT = 6;
    public const int SIGBUS = 7;
    public const int SIGFPE = 8;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGSEGV = 11;
    public const int SIGUSR2 = 12;
    public const int SIGPIPE = 13;
    public const int SIGALRM = 14;
    public const int SIGTERM = 15;
    public const int SIGPWR = 30;
    public const int SIGSYS = 31;
    public const int SIGRTMIN = 36; // as Zhuque's musl defines it
    public const int SIGRTMAX = 64;

    /// <summary>Signals by which a program reports its own crash: the image becomes "faulted", not "lost".</summary>
    public static bool IsFault(int signal) =>
        signal is SIGSEGV or SIGBUS or SIGILL or SIGFPE or SIGABRT or SIGSYS or SIGTRAP;

    public static string Name(int signal) => signal switch
    {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV",
        SIGUSR2 => "SIGUSR2",
        SIGPIPE => "SIGPIPE",
        SIGALRM => "SIGALRM",
        SIGTERM => "SIGTERM",
        16 => "SIGSTKFLT",
        17 => "SIGCHLD",
        18 => "SIGCONT",
        19 => "SIGSTOP",
        20 => "SIGTSTP",
        21 => "SIGTTIN",
        22 => "SIGTTOU",
        23 => "SIGURG",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        26 => "SIGVTALRM",
        27 => "SIGPROF",
        28 => "SIGWINCH",
        29 => "SIGIO",
        SIGPWR => "SIGPWR",
        SIGSYS => "SIGSYS",
        Layout.SigstopThread => "ZQSTOP", // the runtime's own: stops each thread at a failure
        // Zhuque's musl starts the real-time signals at 36 (32-34 are musl's own, 35 the runtime's).
        >= SIGRTMIN and <= SIGRTMAX => signal == SIGRTMIN ? "SIGRTMIN" : $"SIGRTMIN+{signal - SIGRTMIN}",
        _ => $"signal {signal}",
    };
}
