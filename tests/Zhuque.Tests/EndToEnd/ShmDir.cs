namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// A private directory on /dev/shm, removed with everything in it: images
/// of end-to-end tests live on tmpfs, the stand-in for persistent memory.
/// </summary>
public sealed class ShmDir : IDisposable
{
    public ShmDir()
    {
        Path = System.IO.Path.Combine("/dev/shm", "zhuque-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a failed test may leave a running program behind.
        }
    }
}
