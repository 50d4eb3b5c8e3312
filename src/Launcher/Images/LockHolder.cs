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
        if (contextPid > 0 && Program(contextPid, st) is { } program)
            return program;
        return FlockOwners(st.Ino).FirstOrDefault(pid => pid != Environment.ProcessId && HasOpen(pid, st)) is var p and > 0
            ? p : null;
    }

    /// <summary>
    /// The program's pid as zhuque sees it. The context has the pid the
    /// program has inside its own pid namespace (the guard is the init
    /// there, docs/design.md), the same number for every image: the program
    /// is the process whose innermost pid (the last of NSpid) is that one
    /// and that has IMAGE/lock open.
    /// </summary>
    public static int? Program(ImageDirectory dir, int innerPid)
    {
        using var lockFile = dir.OpenDescriptor(ImageFiles.Lock, Libc.O_RDONLY);
        return lockFile is null ? null : Program(innerPid, Posix.FStat(lockFile.Number));
    }

    static int? Program(int innerPid, Stat lockFile)
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        foreach (var entry in entries)
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                InnermostPid(pid) != innerPid)
                continue;
            if (HasOpen(pid, lockFile))
                return pid;
        }
        return null;
    }

    /// <summary>The last number of "NSpid:" in /proc/PID/status: the pid in the process's own namespace.</summary>
    static int? InnermostPid(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("NSpid:", StringComparison.Ordinal))
                    continue;
                var f = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return f.Length > 1 && int.TryParse(f[^1], CultureInfo.InvariantCulture, out var inner) ? inner : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone, or not ours to look at.
        }
        return null;
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
