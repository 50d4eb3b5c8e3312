using System.Security.Cryptography;
using System.Text;
using Zhuque.Launcher.Native;

namespace Zhuque.Tests.Support;

/// <summary>
/// A digest of every byte of an image: each entry's name, type, mode and
/// length, a symbolic link's target, and the data of each file, read extent
/// by extent (SEEK_DATA/SEEK_HOLE), so the sparse 1 GiB context and 8 TiB
/// arena cost only what they hold. zhuque.log is left out (verbs append to
/// it) and so is the content of lock (empty; opening it with .NET would take
/// a flock).
/// </summary>
public static class ImageHash
{
    public static string Of(string image)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var entry in Directory.EnumerateFileSystemEntries(image, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(image, entry);
            if (name == "zhuque.log")
                continue;
            var info = new FileInfo(entry);
            hash.AppendData(Encoding.UTF8.GetBytes($"{name} {info.Attributes} {File.GetUnixFileMode(entry)} {info.LinkTarget}\n"));
            if (info.LinkTarget is not null || (info.Attributes & FileAttributes.Directory) != 0 || name == "lock")
                continue;
            hash.AppendData(Encoding.UTF8.GetBytes($"{info.Length}\n"));
            AppendData(hash, entry);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    static void AppendData(IncrementalHash hash, string path)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NOFOLLOW, 0);
        Assert.True(fd >= 0, $"open {path}: {Libc.Message(Libc.LastError)}");
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        var length = RandomAccess.GetLength(handle);
        var buffer = new byte[1 << 16];
        long offset = 0;
        while (offset < length)
        {
            var data = Libc.LSeek(fd, offset, Libc.SEEK_DATA);
            if (data < 0)
                break; // no more data: the rest is a hole
            var hole = Libc.LSeek(fd, data, Libc.SEEK_HOLE);
            hash.AppendData(BitConverter.GetBytes(data));
            for (var at = data; at < hole;)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(buffer.Length, hole - at)), at);
                if (n == 0)
                    break;
                hash.AppendData(buffer, 0, n);
                at += n;
            }
            offset = hole;
        }
    }
}
