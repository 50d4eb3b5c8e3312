using Zhuque.Launcher.Native;

namespace Zhuque.Tests.Support;

/// <summary>Holds flock(LOCK_EX) on a file from the test process, as a running image owner would.</summary>
public sealed class Flock : IDisposable
{
    readonly int _fd;

    public Flock(string path)
    {
        _fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
        Assert.True(_fd >= 0, $"open {path}: {Libc.Message(Libc.LastError)}");
        Assert.True(Libc.Flock(_fd, Libc.LOCK_EX | Libc.LOCK_NB) == 0, $"flock {path}: {Libc.Message(Libc.LastError)}");
    }

    public void Dispose() => Libc.Close(_fd);
}
