namespace Zhuque.Tests.Support;

/// <summary>A private temporary directory, removed with everything in it.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir() => Path = Directory.CreateTempSubdirectory("zhuque-test-").FullName;

    /// <summary>Under parent: end-to-end images live on /dev/shm, the stand-in for persistent memory.</summary>
    public TempDir(string parent)
    {
        Path = System.IO.Path.Combine(parent, "zhuque-test-" + Guid.NewGuid().ToString("N")[..12]);
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
            // Best effort: a test that failed half-way may leave odd modes behind.
        }
    }
}
