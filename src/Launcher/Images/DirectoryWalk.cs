using System.Text;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Opens an image directory path one component at a time from "/", each
/// with openat(O_DIRECTORY|O_NOFOLLOW) on the fd of the one before, so no
/// symbolic link is followed that another user could have put there: a
/// user who can write a parent cannot swap a component for a link and
/// redirect a resume (issue 11, item 14). The only links followed are
/// owned by root in a directory only root can change (/var/run -> /run):
/// those are the system's layout, and only root could point them
/// elsewhere. The image directory itself is never a link. With create,
/// missing components are made 0700 (mkdirat), whatever the umask allows.
/// Every verb opens its image through here; the resulting fd is what the
/// launcher and the shim use.
/// </summary>
public sealed class DirectoryWalk : IDisposable
{
    const int MaxLinks = 40; // the kernel's own limit (ELOOP)

    DirectoryWalk(FileDescriptor directory, FileDescriptor parent, string name)
    {
        Directory = directory;
        Parent = parent;
        Name = name;
    }

    /// <summary>The directory, opened O_RDONLY|O_DIRECTORY, close-on-exec.</summary>
    public FileDescriptor Directory { get; }

    /// <summary>The directory that holds it (O_PATH), for unlinkat of the directory itself.</summary>
    public FileDescriptor Parent { get; }

    /// <summary>Its name in Parent.</summary>
    public string Name { get; }

    /// <summary>Opens absolute path (already made absolute by the caller); errors are ZhuqueExceptions naming the component.</summary>
    public static DirectoryWalk Open(string path, bool create)
    {
        var pending = new LinkedList<string>(Components(path));
        if (pending.Count == 0)
            throw new ZhuqueException(ReturnCode.ImageInsecure, "image / is the root directory; refusing to use it");
        var opened = new Stack<(FileDescriptor Fd, string Path)>();
        opened.Push((Root(), "/"));
        var links = 0;
        var endedOnName = false; // the image is a name in its parent, not where a link's ".." led
        try
        {
            while (pending.First is { } node)
            {
                var name = node.Value;
                pending.RemoveFirst();
                endedOnName = false;
                if (name == ".")
                    continue;
                if (name == "..")
                {
                    if (opened.Count > 1)
                        opened.Pop().Fd.Dispose();
                    continue;
                }
                var (parent, parentPath) = opened.Peek();
                var here = parentPath == "/" ? "/" + name : parentPath + "/" + name;
                var last = pending.Count == 0;
                var fd = OpenComponent(parent.Number, name, last, create);
                if (fd >= 0)
                {
                    opened.Push((new FileDescriptor(fd), here));
                    endedOnName = last;
                    continue;
                }
                if (-fd is not (Libc.ENOTDIR or Libc.ELOOP))
                    throw Error(path, here, -fd);
                if (Libc.FStatAt(parent.Number, name, out var st, Libc.AT_SYMLINK_NOFOLLOW) != 0 || !Libc.IsSymlink(st.Mode))
                    throw new ZhuqueException(ReturnCode.ImageInsecure,
                        here == path ? $"image {path} is not a directory" : $"image {path}: {here} is not a directory");
                if (last)
                    throw new ZhuqueException(ReturnCode.ImageInsecure, $"image {path} is a symbolic link; refusing to use it");
                if (!Trusted(parent.Number, st))
                    throw new ZhuqueException(ReturnCode.ImageInsecure,
                        $"image {path}: {here} is a symbolic link owned by uid {st.Uid}; refusing to follow it (give the path without links)");
                if (++links > MaxLinks)
                    throw new ZhuqueException(ReturnCode.ImageInsecure, $"image {path}: too many symbolic links");
                var target = ReadLink(parent.Number, name, here);
                if (target.StartsWith('/'))
                {
                    while (opened.Count > 1)
                        opened.Pop().Fd.Dispose();
                }
                foreach (var part in Components(target).Reverse())
                    pending.AddFirst(part);
            }
            if (!endedOnName || opened.Count < 2)
                throw new ZhuqueException(ReturnCode.ImageInsecure, $"image {path}: a symbolic link in its path leads above it; give the path without links");
            var (directory, directoryPath) = opened.Pop();
            var (holder, _) = opened.Pop();
            return new DirectoryWalk(directory, holder, System.IO.Path.GetFileName(directoryPath));
        }
        finally
        {
            foreach (var (fd, _) in opened)
                fd.Dispose();
        }
    }

    static IEnumerable<string> Components(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    static FileDescriptor Root()
    {
        var fd = Posix.OpenAt(Libc.AT_FDCWD, "/", Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        if (fd < 0)
            throw new IOException($"/: {Libc.Message(-fd)}");
        return new FileDescriptor(fd);
    }

    /// <summary>
    /// Components above the image are opened O_PATH (search permission is
    /// enough); the image itself O_RDONLY, as the shim and getdents need it.
    /// </summary>
    static int OpenComponent(int parent, string name, bool last, bool create)
    {
        var flags = (last ? Libc.O_RDONLY : Libc.O_PATH) | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC;
        var fd = Posix.OpenAt(parent, name, flags);
        if (fd != -Libc.ENOENT || !create)
            return fd;
        // Lost a race with another zhuque creating it: EEXIST, and the open checks what is there.
        if (Libc.MkDirAt(parent, name, ImageFiles.DirectoryMode) != 0 && Libc.LastError != Libc.EEXIST)
            return -Libc.LastError;
        return Posix.OpenAt(parent, name, flags);
    }

    /// <summary>A link only root could have made or changed: owned by root, in a directory only root can write (or a sticky one).</summary>
    static bool Trusted(int parent, Stat link)
    {
        if (link.Uid != 0)
            return false;
        var holder = Posix.FStat(parent);
        const uint Sticky = 0x200, GroupOrOtherWrite = 0x12;
        return holder.Uid == 0 && ((holder.Mode & GroupOrOtherWrite) == 0 || (holder.Mode & Sticky) != 0);
    }

    static unsafe string ReadLink(int parent, string name, string here)
    {
        var buffer = new byte[4096];
        nint n;
        fixed (byte* b = buffer)
            n = Libc.ReadLinkAt(parent, name, b, (nuint)buffer.Length);
        if (n < 0)
            throw new IOException($"readlink {here}: {Libc.Message(Libc.LastError)}");
        return Encoding.UTF8.GetString(buffer, 0, (int)n);
    }

    static ZhuqueException Error(string path, string here, int errno)
    {
        if (errno == Libc.ENOENT)
            return new ZhuqueException(ReturnCode.NotAnImage, $"image {path} not found");
        var where = here == path ? "" : $" ({here})";
        if (errno is Libc.ENOSPC or Libc.EDQUOT)
            return new ZhuqueException(ReturnCode.UsageOrInternal, $"no space for the image: cannot create {here}: {Libc.Message(errno)}");
        return new ZhuqueException(ReturnCode.ImageInsecure, $"cannot open image {path}{where}: {Libc.Message(errno)}");
    }

    public void Dispose()
    {
        Directory.Dispose();
        Parent.Dispose();
    }
}
