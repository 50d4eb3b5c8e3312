using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// An open, verified image directory. It is opened once with
/// O_DIRECTORY|O_NOFOLLOW and checked through that fd (fstat), so what was
/// checked is what is used: owned by us, not group or world writable, not a
/// symlink. Once verified nobody else can change its entries, so files inside
/// are then named by path. The fd is close-on-exec; `run` hands it to the
/// shim explicitly (see ShimSpawner).
/// </summary>
public sealed class ImageDirectory : IDisposable
{
    readonly FileDescriptor _fd;

    ImageDirectory(string path, FileDescriptor fd)
    {
        Path = path;
        _fd = fd;
    }

    public string Path { get; }

    public int Fd => _fd.Number;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public bool Has(string name) => System.IO.Path.Exists(File(name));

    /// <summary>Has a manifest or a context: something a launcher wrote.</summary>
    public bool IsImage => Has(ImageFiles.Manifest) || Has(ImageFiles.Context);

    /// <summary>Empty, or only what a first run creates before its manifest.</summary>
    public bool IsFreshOrPreliminary =>
        Directory.EnumerateFileSystemEntries(Path)
            .All(e => ImageFiles.Preliminary.Contains(System.IO.Path.GetFileName(e)));

    /// <summary>For `run`: creates the directory (and its parents) 0700 if missing.</summary>
    public static ImageDirectory OpenOrCreate(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (!System.IO.Path.Exists(path) && !IsDanglingLink(path))
            Create(path);
        return Open(path);
    }

    /// <summary>For inspect and list: the directory must exist and be an image.</summary>
    public static ImageDirectory OpenExisting(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        var dir = Open(path);
        if (!dir.IsImage)
        {
            dir.Dispose();
            throw new ZhuqueException(ReturnCode.NotAnImage, $"{path} is not a Zhuque image");
        }
        return dir;
    }

    static ImageDirectory Open(string path)
    {
        var flags = Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
        var fd = Posix.OpenAt(-100 /* AT_FDCWD */, path, flags);
        if (fd < 0)
            throw OpenError(path, -fd);
        var dir = new ImageDirectory(path, new FileDescriptor(fd));
        try
        {
            Verify(path, Posix.FStat(fd));
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

    static ZhuqueException OpenError(string path, int errno)
    {
        if (errno == Libc.ENOENT)
            return new ZhuqueException(ReturnCode.NotAnImage, $"image {path} not found");
        // With O_DIRECTORY, a symlink gives ENOTDIR rather than ELOOP: ask lstat which it was.
        if (errno == Libc.ELOOP || (errno == Libc.ENOTDIR && Libc.LStat(path, out var st) == 0 && Libc.IsSymlink(st.Mode)))
            return new ZhuqueException(ReturnCode.ImageInsecure, $"image {path} is a symbolic link; refusing to use it");
        if (errno == Libc.ENOTDIR)
            return new ZhuqueException(ReturnCode.ImageInsecure, $"image {path} is not a directory");
        return new ZhuqueException(ReturnCode.ImageInsecure, $"cannot open image {path}: {Libc.Message(errno)}");
    }

    static bool IsDanglingLink(string path) => Libc.LStat(path, out _) == 0;

    static void Create(string path)
    {
        var parent = System.IO.Path.GetDirectoryName(path);
        if (parent is not null && !Directory.Exists(parent))
            Directory.CreateDirectory(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (Libc.MkDir(path, ImageFiles.DirectoryMode) != 0)
        {
            var errno = Libc.LastError;
            // Lost a race with another zhuque creating the same image: fine, Open checks it.
            if (errno != Libc.EEXIST)
                throw new ZhuqueException(ReturnCode.ImageInsecure, $"cannot create image {path}: {Libc.Message(errno)}");
        }
    }

    /// <summary>
    /// Opens a file of the image (O_NOFOLLOW, close-on-exec), or null if it
    /// does not exist. A symbolic link in its place is refused (120): the
    /// image's files are only ever the ones zhuque and the runtime wrote.
    /// </summary>
    public Microsoft.Win32.SafeHandles.SafeFileHandle? OpenFile(string name, int flags)
    {
        var fd = Posix.OpenAt(Fd, name, flags | Libc.O_CLOEXEC | Libc.O_NOFOLLOW);
        if (fd == -Libc.ENOENT)
            return null;
        if (fd == -Libc.ELOOP)
            throw new ZhuqueException(ReturnCode.ImageInsecure, $"image {Path}: {name} is a symbolic link; refusing to use it");
        if (fd < 0)
            throw new IOException($"{File(name)}: {Libc.Message(-fd)}");
        return new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Opens a file inside the image for appending (O_APPEND), creating it 0600 if missing.</summary>
    public FileDescriptor OpenForAppend(string name)
    {
        var fd = Posix.OpenAt(Fd, name, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, ImageFiles.FileMode);
        if (fd < 0)
            throw new IOException($"{File(name)}: {Libc.Message(-fd)}");
        return new FileDescriptor(fd);
    }

    public void Dispose() => _fd.Dispose();
}
