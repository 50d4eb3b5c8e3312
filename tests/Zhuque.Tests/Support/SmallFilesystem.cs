namespace Zhuque.Tests.Support;

/// <summary>
/// A tmpfs of a few MiB mounted on a temporary directory: a disk that
/// fills up. Mounting needs root (CI and scripts/test run as root).
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    readonly TempDir _mountPoint = new();

    public SmallFilesystem(int mebibytes)
    {
        if (Environment.UserName != "root")
            Assert.Fail("this test mounts a small tmpfs and needs root");
        Proc.Check("mount", "-t", "tmpfs", "-o", $"size={mebibytes}m,mode=0700", "zhuque-test", _mountPoint.Path);
    }

    public string Path => _mountPoint.Path;

    public string this[string name] => System.IO.Path.Combine(Path, name);

    /// <summary>Writes a file until the filesystem has no space left.</summary>
    public void FillUp(string name)
    {
        var block = new byte[4096];
        using var file = new FileStream(this[name], FileMode.Create, FileAccess.Write, FileShare.None, 0);
        try
        {
            for (;;)
                file.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: full, which is the point.
        }
    }

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public void Dispose()
    {
        Proc.Run("umount", ["-l", Path]);
        _mountPoint.Dispose();
    }
}
