using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// IMAGE/lock: flock(LOCK_EX) while a process owns the image. The shim
/// inherits the fd (ShimSpawner clears its close-on-exec in the child only):
/// launcher and program then share one open file description, so the lock
/// stays held until both are done with the image.
/// </summary>
public sealed class ImageLock : IDisposable
{
    readonly FileDescriptor _fd;

    ImageLock(FileDescriptor fd) => _fd = fd;

    public int Fd => _fd.Number;

    /// <summary>The exclusive lock, or null if another process holds it.</summary>
    public static ImageLock? TryAcquire(ImageDirectory dir)
    {
        var holder = dir.OpenDescriptor(ImageFiles.Lock, Libc.O_RDWR | Libc.O_CREAT, ImageFiles.FileMode)
            ?? throw new IOException($"{dir.File(ImageFiles.Lock)}: {Libc.Message(Libc.ENOENT)}");
        var fd = holder.Number;
        var errno = Posix.Flock(fd, Libc.LOCK_EX | Libc.LOCK_NB);
        if (errno == 0)
            return new ImageLock(holder);
        holder.Dispose();
        if (errno == Libc.EWOULDBLOCK)
            return null;
        throw new IOException($"flock {dir.File(ImageFiles.Lock)}: {Libc.Message(errno)}");
    }

    /// <summary>The exclusive lock, or 121 naming the pid of the process that holds it.</summary>
    public static ImageLock Acquire(ImageDirectory dir) => TryAcquire(dir) ?? throw Busy(dir);

    static ZhuqueException Busy(ImageDirectory dir)
    {
        var contextPid = 0;
        try
        {
            contextPid = ContextFile.Read(dir)?.Header.Pid ?? 0;
        }
        catch (ZhuqueException)
        {
            // A context being written by its owner may not read cleanly yet.
        }
        var pid = LockHolder.Find(dir, contextPid) is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
        return new ZhuqueException(ReturnCode.ImageBusy, $"image {dir.Path} is in use by a running process (pid {pid})");
    }

    /// <summary>
    /// Whether some process holds the lock now: try a shared lock without
    /// waiting and release it at once. Creates nothing.
    /// </summary>
    public static bool IsHeld(ImageDirectory dir)
    {
        using var holder = dir.OpenDescriptor(ImageFiles.Lock, Libc.O_RDONLY);
        if (holder is null)
            return false;
        var fd = holder.Number;
        var errno = Posix.Flock(fd, Libc.LOCK_SH | Libc.LOCK_NB);
        if (errno == 0)
            Posix.Flock(fd, Libc.LOCK_UN);
        return errno == Libc.EWOULDBLOCK;
    }

    public void Dispose() => _fd.Dispose();
}
