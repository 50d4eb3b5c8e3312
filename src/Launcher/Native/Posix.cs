using Microsoft.Win32.SafeHandles;

namespace Zhuque.Launcher.Native;

/// <summary>Small wrappers over Libc that retry EINTR and turn results into .NET types.</summary>
public static class Posix
{
    /// <summary>openat; returns the fd, or -errno.</summary>
    public static int OpenAt(int dirfd, string name, int flags, uint mode = 0)
    {
        while (true)
        {
            var fd = Libc.OpenAt(dirfd, name, flags, mode);
            if (fd >= 0)
                return fd;
            var errno = Libc.LastError;
            if (errno != Libc.EINTR)
                return -errno;
        }
    }

    /// <summary>openat wrapped in a close-on-exec SafeFileHandle, or null if the file does not exist.</summary>
    public static SafeFileHandle? OpenFileAt(int dirfd, string name, int flags, uint mode = 0)
    {
        var fd = OpenAt(dirfd, name, flags | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, mode);
        if (fd == -Libc.ENOENT)
            return null;
        if (fd < 0)
            throw new IOException($"{name}: {Libc.Message(-fd)}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>realpath(3): absolute, with every symbolic link and "." or ".." resolved.</summary>
    public static string RealPath(string path)
    {
        var resolved = Libc.RealPath(path, 0);
        if (resolved == 0)
            throw new IOException($"{path}: {Libc.Message(Libc.LastError)}");
        try
        {
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            Libc.Free(resolved);
        }
    }

    public static Stat FStat(int fd)
    {
        if (Libc.FStat(fd, out var st) != 0)
            throw new IOException($"fstat: {Libc.Message(Libc.LastError)}");
        return st;
    }

    /// <summary>flock, retrying EINTR; returns 0 or errno.</summary>
    public static int Flock(int fd, int operation)
    {
        while (Libc.Flock(fd, operation) != 0)
        {
            var errno = Libc.LastError;
            if (errno != Libc.EINTR)
                return errno;
        }
        return 0;
    }
}
