using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// An open, verified image directory. It is opened once, component by
/// component without following a symbolic link (DirectoryWalk), and checked
/// through that fd (fstat), so what was checked is what is used: owned by
/// us, not group or world writable, not a symlink. Everything inside is
/// then reached through the fd: openat for files, and /proc/self/fd/N for
/// the few .NET calls that take a path (Through), so a parent renamed or
/// swapped afterwards changes nothing. The fd is close-on-exec; `run` hands
/// it to the shim explicitly (see ShimSpawner).
/// </summary>
public sealed class ImageDirectory : IDisposable
{
    readonly DirectoryWalk _walk;

    ImageDirectory(string path, DirectoryWalk walk)
    {
        Path = path;
        _walk = walk;
    }

    /// <summary>The path as given (made absolute): for messages.</summary>
    public string Path { get; }

    public int Fd => _walk.Directory.Number;

    /// <summary>The entry's path for messages.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>The entry reached through the verified fd, for .NET calls that take a path.</summary>
    public string Through(string name = "") => System.IO.Path.Combine($"/proc/self/fd/{Fd}", name);

    public bool Has(string name) => Libc.FStatAt(Fd, name, out _, Libc.AT_SYMLINK_NOFOLLOW) == 0;

    /// <summary>Has a manifest or a context: something a launcher wrote.</summary>
    public bool IsImage => Has(ImageFiles.Manifest) || Has(ImageFiles.Context);

    /// <summary>Empty, or only what a first run creates before its manifest.</summary>
    public bool IsFreshOrPreliminary =>
        Directory.EnumerateFileSystemEntries(Through())
            .All(e => ImageFiles.Preliminary.Contains(System.IO.Path.GetFileName(e)));

    /// <summary>Removes the (emptied) directory itself, through the fd of its parent.</summary>
    public int RemoveSelf() => Libc.UnlinkAt(_walk.Parent.Number, _walk.Name, 0x200 /* AT_REMOVEDIR */);

    /// <summary>For `run`: creates the directory (and its parents) 0700 if missing.</summary>
    public static ImageDirectory OpenOrCreate(string path) => Open(FullPath(path, "--image"), create: true);

    /// <summary>For inspect and list: the directory must exist and be an image.</summary>
    public static ImageDirectory OpenExisting(string path)
    {
        path = FullPath(path, "IMAGE");
        var dir = Open(path, create: false);
        if (!dir.IsImage)
        {
            dir.Dispose();
            throw new ZhuqueException(ReturnCode.NotAnImage, $"{path} is not a Zhuque image");
        }
        return dir;
    }

    static string FullPath(string path, string what)
    {
        if (string.IsNullOrEmpty(path))
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"{what} is an empty string; give a directory");
        if (path.Contains('\0'))
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"{what} holds a NUL character");
        path = System.IO.Path.GetFullPath(path);
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    static ImageDirectory Open(string path, bool create)
    {
        var walk = DirectoryWalk.Open(path, create);
        var dir = new ImageDirectory(path, walk);
        try
        {
            Verify(path, Posix.FStat(dir.Fd));
            return dir;
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    static void Verify(string path, Stat st)
    {
        var euid = Libc.GetEUid();
        if (st.Uid != euid)
            throw new ZhuqueException(ReturnCode.ImageInsecure,
                $"image {path} is owned by uid {st.Uid}, not by you (uid {euid}); refusing to use it");
        // A sticky, world-writable directory is shared by every user (/tmp,
        // /dev/shm): changing its mode would break it for all of them.
        if ((st.Mode & 0x202) == 0x202) // S_ISVTX | S_IWOTH
            throw new ZhuqueException(ReturnCode.ImageInsecure,
                $"image {path} is a directory shared by all users (mode {Convert.ToString(st.Mode & 0xFFF, 8)}); " +
                $"use a directory inside it, such as {System.IO.Path.Combine(path, "zhuque")}");
        if ((st.Mode & 0x12) != 0) // S_IWGRP | S_IWOTH
            throw new ZhuqueException(ReturnCode.ImageInsecure,
                $"image {path} is group or world writable (mode {Convert.ToString(st.Mode & 0xFFF, 8)}); chmod 700 it");
    }

    /// <summary>
    /// Opens a file of the image (O_NOFOLLOW, close-on-exec), or null if it
    /// does not exist. A symbolic link in its place is refused (120): the
    /// image's files are only ever the ones zhuque and the runtime wrote.
    /// Anything but a regular file is refused as corrupt (122) before it is
    /// read: it is opened O_NONBLOCK, so a FIFO named `context` cannot make
    /// a verb wait forever for a writer. NAME may be one level deep
    /// (regions/stack); that directory is opened O_NOFOLLOW too.
    /// </summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle? OpenFile(string name, int flags)
    {
        var fd = OpenRegular(name, flags, 0);
        return fd < 0 ? null : new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>As OpenFile, as a raw fd (whose number matters: the lock is handed to the shim).</summary>
    public FileDescriptor? OpenDescriptor(string name, int flags, uint mode = 0)
    {
        var fd = OpenRegular(name, flags, mode);
        return fd < 0 ? null : new FileDescriptor(fd);
    }

    /// <summary>Opens a file inside the image for appending (O_APPEND), creating it 0600 if missing.</summary>
    public FileDescriptor OpenForAppend(string name)
    {
        var fd = OpenRegular(name, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT, ImageFiles.FileMode);
        if (fd < 0)
            throw new IOException($"{File(name)}: {Libc.Message(-fd)}");
        return new FileDescriptor(fd);
    }

    /// <summary>The fd of a regular file of the image, or -ENOENT.</summary>
    int OpenRegular(string name, int flags, uint mode)
    {
        var slash = name.IndexOf('/');
        using var sub = slash > 0 ? OpenSubdirectory(name[..slash]) : null;
        if (slash > 0 && sub is null)
            return -Libc.ENOENT;
        var fd = Posix.OpenAt(sub?.Number ?? Fd, name[(slash + 1)..],
            flags | Libc.O_CLOEXEC | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_NOCTTY, mode);
        if (fd == -Libc.ENOENT)
            return fd;
        if (fd == -Libc.ELOOP)
            throw new ZhuqueException(ReturnCode.ImageInsecure, $"image {Path}: {name} is a symbolic link; refusing to use it");
        if (fd is -Libc.EISDIR or -Libc.ENXIO)
            throw NotRegular(name, fd == -Libc.EISDIR ? "a directory" : "a FIFO");
        if (fd < 0)
            throw new IOException($"{File(name)}: {Libc.Message(-fd)}");
        var st = Posix.FStat(fd);
        if (!Libc.IsRegular(st.Mode))
        {
            Libc.Close(fd);
            throw NotRegular(name, Kind(st.Mode));
        }
        return fd;
    }

    FileDescriptor? OpenSubdirectory(string name)
    {
        var fd = Posix.OpenAt(Fd, name, Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (fd == -Libc.ENOENT)
            return null;
        if (fd is -Libc.ELOOP or -Libc.ENOTDIR)
        {
            if (Libc.FStatAt(Fd, name, out var st, Libc.AT_SYMLINK_NOFOLLOW) == 0 && Libc.IsSymlink(st.Mode))
                throw new ZhuqueException(ReturnCode.ImageInsecure, $"image {Path}: {name} is a symbolic link; refusing to use it");
            throw NotRegular(name, "not a directory");
        }
        if (fd < 0)
            throw new IOException($"{File(name)}: {Libc.Message(-fd)}");
        return new FileDescriptor(fd);
    }

    ZhuqueException NotRegular(string name, string kind) =>
        new(ReturnCode.ImageCorrupt, kind.StartsWith("not ", StringComparison.Ordinal)
            ? $"image {Path} is corrupt: {name} is {kind}"
            : $"image {Path} is corrupt: {name} is {kind}, not a regular file");

    static string Kind(uint mode) => (mode & Libc.S_IFMT) switch
    {
        Libc.S_IFDIR => "a directory",
        0x1000 => "a FIFO",
        0xC000 => "a socket",
        0x2000 => "a character device",
        0x6000 => "a block device",
        _ => "not a regular file",
    };

    public void Dispose() => _walk.Dispose();
}
