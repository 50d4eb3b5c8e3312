using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Crash;

/// <summary>
/// Signals the process that owns an image, and no other. The pid comes from
/// the context header, so before the signal is sent the process is pinned
/// with a pidfd and must have IMAGE/lock open (the lock fd the launcher gave
/// it): a pid that meanwhile belongs to another process is never signalled.
/// </summary>
public static class ImageOwner
{
    public static void SendPowerFailure(ImageDirectory dir, int pid) => SendPower(dir, pid, null);

    /// <summary>
    /// SIGPWR queued with a value (si_code SI_QUEUE), which the runtime
    /// tells from a power failure: a snapshot's request and its end
    /// (native/runtime/snapshot.c).
    /// </summary>
    public static unsafe void SendPower(ImageDirectory dir, int pid, int? value)
    {
        var pidfd = Libc.PidFdOpen(pid, 0);
        if (pidfd < 0)
        {
            var errno = Libc.LastError;
            if (errno == Libc.ESRCH)
                throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} is not running (its pid {pid} is gone)");
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"cannot reach pid {pid}: {Libc.Message(errno)}");
        }
        using var pinned = new FileDescriptor(pidfd);
        // Checked after pinning: if this is the owner, the pidfd is its.
        if (!HoldsLockFile(dir, pid))
        {
            // The owner may have ended just now (a zombie has no fds left).
            if (HasEnded(pinned.Number))
                throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} is not running (pid {pid} ended)");
            throw new ZhuqueException(ReturnCode.UsageOrInternal,
                $"pid {pid} named by image {dir.Path} does not hold its lock; not signalling it");
        }
        // siginfo_t: si_signo, si_errno, si_code, then for a queued signal si_pid, si_uid, si_value.
        var info = stackalloc int[32];
        info[0] = Signals.SIGPWR;
        info[2] = -1; // SI_QUEUE
        info[4] = Environment.ProcessId;
        info[5] = (int)Libc.GetUid();
        info[6] = value ?? 0;
        if (Libc.PidFdSendSignal(pinned.Number, Signals.SIGPWR, value is null ? 0 : (nint)info, 0) != 0)
        {
            var errno = Libc.LastError;
            if (errno == Libc.ESRCH)
                throw new ZhuqueException(ReturnCode.ImageNeedsFresh, $"image {dir.Path} is not running (pid {pid} ended)");
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"cannot send SIGPWR to pid {pid}: {Libc.Message(errno)}");
        }
    }

    /// <summary>A pidfd polls readable once its process has ended.</summary>
    static bool HasEnded(int pidfd)
    {
        var poll = new Libc.PollFd { Fd = pidfd, Events = Libc.POLLIN };
        return Libc.Poll(ref poll, 1, 0) == 1 && (poll.REvents & Libc.POLLIN) != 0;
    }

    /// <summary>Whether one of the process's fds is IMAGE/lock (same device and inode).</summary>
    static bool HoldsLockFile(ImageDirectory dir, int pid)
    {
        var fd = Posix.OpenAt(dir.Fd, ImageFiles.Lock, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC | Libc.O_NONBLOCK);
        if (fd < 0)
            return false;
        Stat lockFile;
        using (new FileDescriptor(fd))
            lockFile = Posix.FStat(fd);
        var fds = $"/proc/{pid}/fd";
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(fds).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return entries.Any(e => Libc.StatPath(e, out var st) == 0 && st.Dev == lockFile.Dev && st.Ino == lockFile.Ino);
    }
}
