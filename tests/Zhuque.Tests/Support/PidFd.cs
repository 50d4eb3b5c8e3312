using System.Runtime.InteropServices;

namespace Zhuque.Tests.Support;

/// <summary>
/// A process held by a pidfd: a signal sent through it reaches that
/// process or nobody, never another one that took its pid after it ended
/// (the suite makes thousands of threads, so pids come round quickly).
/// </summary>
public sealed class PidFd : IDisposable
{
    const long SYS_pidfd_send_signal = 424;
    const long SYS_pidfd_open = 434;
    readonly int _fd;

    PidFd(int fd) => _fd = fd;

    /// <summary>The process with this pid now; null if there is none.</summary>
    public static PidFd? Open(int pid)
    {
        var fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
        return fd < 0 ? null : new PidFd(fd);
    }

    /// <summary>Sends sig; false if the process has ended.</summary>
    public bool Signal(int sig) => syscall(SYS_pidfd_send_signal, _fd, sig, 0, 0) == 0;

    public void Dispose() => close(_fd);

    [DllImport("libc", SetLastError = true)]
    static extern long syscall(long nr, long a1, long a2);

    [DllImport("libc", SetLastError = true)]
    static extern long syscall(long nr, long a1, long a2, long a3, long a4);

    [DllImport("libc")]
    static extern int close(int fd);
}
