using Serilog;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Rm;

/// <summary>
/// `zhuque rm IMAGE`: deletes one image directory, and only it. The
/// directory is opened and checked as every verb does (not a symbolic
/// link, ours, not group or world writable: else 120); it must be an image
/// holding only what zhuque and the runtime write (else 119: zhuque never
/// deletes a file it did not write); its lock is taken first, so an image
/// in use is refused (121). Entries are removed through the directory's fd
/// (unlinkat), never through a symbolic link, the directory itself last.
/// </summary>
public sealed class RmCommand(string image, bool verbose)
{
    const int AT_REMOVEDIR = 0x200;

    public int Execute()
    {
        using var log = LogFactory.Console(verbose);
        try
        {
            using (var dir = ImageDirectory.OpenExisting(ImageRoot.Locate(image)))
            {
                var foreign = Directory.EnumerateFileSystemEntries(dir.Through())
                    .Select(Path.GetFileName)
                    .Where(n => !ImageFiles.All.Contains(n!))
                    .Order(StringComparer.Ordinal)
                    .FirstOrDefault();
                if (foreign is not null)
                    throw new ZhuqueException(ReturnCode.NotAnImage,
                        $"{dir.Path} holds {foreign}, which zhuque did not write; not removing it");
                using (ImageLock.Acquire(dir))
                    Remove(dir, log);
                if (dir.RemoveSelf() != 0 && Libc.LastError != Libc.ENOENT)
                    throw new IOException($"cannot delete {dir.Path}: {Libc.Message(Libc.LastError)}");
                log.Debug("removed {Image}", dir.Path);
            }
            return (int)ReturnCode.Success;
        }
        catch (Exception e)
        {
            return (int)Failures.Report(log, e);
        }
    }

    static void Remove(ImageDirectory dir, ILogger log)
    {
        var regionsFd = Posix.OpenAt(dir.Fd, BackingFiles.RegionsDirectory,
            Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC);
        if (regionsFd >= 0)
        {
            using var regions = new FileDescriptor(regionsFd);
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir.Through(BackingFiles.RegionsDirectory)))
                Unlink(regions.Number, Path.GetFileName(entry), dir.File(Path.Combine(BackingFiles.RegionsDirectory, Path.GetFileName(entry))));
            RemoveDirectory(dir.Fd, BackingFiles.RegionsDirectory, dir.File(BackingFiles.RegionsDirectory));
        }
        // regions/ as a symbolic link (or a file): the link goes, never what it points to.
        else if (-regionsFd != Libc.ENOENT)
            Unlink(dir.Fd, BackingFiles.RegionsDirectory, dir.File(BackingFiles.RegionsDirectory));
        foreach (var name in ImageFiles.All.Where(n => n != BackingFiles.RegionsDirectory))
        {
            if (Libc.UnlinkAt(dir.Fd, name, 0) != 0 && Libc.LastError != Libc.ENOENT)
                throw new IOException($"cannot delete {dir.File(name)}: {Libc.Message(Libc.LastError)}");
        }
        log.Debug("deleted the files of {Image}", dir.Path);
    }

    static void Unlink(int dirFd, string name, string path)
    {
        if (Libc.UnlinkAt(dirFd, name, 0) != 0 && Libc.LastError != Libc.ENOENT)
            throw new IOException($"cannot delete {path}: {Libc.Message(Libc.LastError)}");
    }

    static void RemoveDirectory(int dirFd, string name, string path)
    {
        if (Libc.UnlinkAt(dirFd, name, AT_REMOVEDIR) != 0 && Libc.LastError != Libc.ENOENT)
            throw new IOException($"cannot delete {path}: {Libc.Message(Libc.LastError)}");
    }
}
