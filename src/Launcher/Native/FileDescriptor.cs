namespace Zhuque.Launcher.Native;

/// <summary>
/// A raw fd that is closed once. Used where the fd number itself matters
/// (it is passed to the shim by number); everything else goes through
/// SafeFileHandle.
/// </summary>
public sealed class FileDescriptor(int fd) : IDisposable
{
    int _fd = fd;

    public int Number => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(FileDescriptor));

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Libc.Close(fd);
    }
}
