using System.Globalization;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Images;

/// <summary>
/// Which process holds IMAGE/lock, for the "in use" line. The context's pid
/// is not enough: a command that just took the lock has not written its own
/// context yet, so the pid there is the previous, dead holder's (issue 11,
/// item 19). A pid is named only if that process has the lock file open
/// now: the context's pid (the program) when it does, else the flock's
/// owner from /proc/locks (the launcher that took it).
/// </summary>
public static class LockHolder
{
    public static int? Find(ImageDirectory dir, int contextPid)
    {
        using var lockFile = dir.OpenDescriptor(ImageFiles.Lock, Libc.O_RDONLY);
        if (lockFile is null)
            return null;
        var st = Posix.FStat(lockFile.Number);
        if (contextPid > 0 && HasOpen(contextPid, st))
            return contextPid;
        return FlockOwners(st.Ino).FirstOrDefault(pid => pid != Environment.ProcessId && HasOpen(pid, st)) is var p and > 0
            ? p : null;
    }

    /// <summary>Pids of the flock locks on that inode number ("N: FLOCK ADVISORY WRITE PID MAJ:MIN:INO START END").</summary>
    static IEnumerable<int> FlockOwners(ulong ino)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines("/proc/locks");
        }
        catch (IOException)
        {
            return [];
        }
        var owners = new List<int>();
        foreach (var line in lines)
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 8 || f[1] != "FLOCK") // "->" marks a waiter, not a holder
                continue;
            var id = f[5].Split(':');
            if (id.Length == 3 && ulong.TryParse(id[2], CultureInfo.InvariantCulture, out var i) && i == ino &&
                int.TryParse(f[4], CultureInfo.InvariantCulture, out var pid))
                owners.Add(pid);
        }
        return owners;
    }

    /// <summary>Whether one of the process's fds is that file (same device and inode).</summary>
    static bool HasOpen(int pid, Stat file)
    {
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                if (Libc.StatPath(fd, out var st) == 0 && st.Dev == file.Dev && st.Ino == file.Ino)
                    return true;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone, or not ours to look at.
        }
        return false;
    }
}
