using System.Runtime.InteropServices;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Snapshot;

/// <summary>
/// The pages a running program writes, seen from outside: the runtime
/// registered its image regions with a userfaultfd in async write-protect
/// mode (native/runtime/snapshot.c, ZQ_SNAPSHOT_ARM); this holds a copy of
/// that descriptor (pidfd_getfd), protects ranges, and asks
/// /proc/PID/pagemap (PAGEMAP_SCAN, Linux 6.7) which pages were written
/// since, protecting them again in the same walk. A write to a protected
/// page never waits on this process: the kernel resolves it and marks the
/// page written. Closing lets every range go; a launcher that dies does
/// the same, and the program notices nothing.
/// </summary>
public sealed class WriteTracker : IDisposable
{
    const ulong UffdioWriteProtect = 0xc018aa06;
    const ulong UffdioUnregister = 0x8010aa01;
    const ulong UffdioWriteProtectModeWp = 1;
    const ulong PagemapScan = 0xc0606610;
    const ulong PageIsWritten = 1 << 1;
    const ulong ScanWpMatching = 1 << 0;
    const ulong Unprotecting = 64UL << 20;
    const int Vector = 4096;

    readonly FileDescriptor _uffd;
    readonly FileDescriptor _pagemap;
    readonly List<(ulong Start, ulong End)> _protected = [];
    readonly PageRegion[] _vector = new PageRegion[Vector];

    WriteTracker(FileDescriptor uffd, FileDescriptor pagemap)
    {
        _uffd = uffd;
        _pagemap = pagemap;
    }

    [StructLayout(LayoutKind.Sequential)]
    struct PageRegion
    {
        public ulong Start;      // start
        public ulong End;        // end
        public ulong Categories; // categories
    }

    [StructLayout(LayoutKind.Sequential)]
    struct ScanArg
    {
        public ulong Size;             // size
        public ulong Flags;            // flags
        public ulong Start;            // start
        public ulong End;              // end
        public ulong WalkEnd;          // walk_end
        public ulong Vec;              // vec
        public ulong VecLen;           // vec_len
        public ulong MaxPages;         // max_pages
        public ulong CategoryInverted; // category_inverted
        public ulong CategoryMask;     // category_mask
        public ulong CategoryAnyofMask; // category_anyof_mask
        public ulong ReturnMask;       // return_mask
    }

    /// <summary>The program's tracker, while the runtime holds it open (during the arm's hold), or null.</summary>
    public static WriteTracker? Take(int pid)
    {
        var target = -1;
        foreach (var link in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            string? to;
            try
            {
                to = new FileInfo(link).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }
            if (to == "anon_inode:[userfaultfd]" && int.TryParse(Path.GetFileName(link), out var n) && n > target)
                target = n; // the runtime's is the newest
        }
        if (target < 0)
            return null;
        var pidfd = Libc.PidFdOpen(pid, 0);
        if (pidfd < 0)
            return null;
        using var pinned = new FileDescriptor(pidfd);
        var uffd = (int)Libc.Syscall3(Libc.SYS_pidfd_getfd, pidfd, target, 0);
        if (uffd < 0)
            return null;
        var pagemap = Libc.Open($"/proc/{pid}/pagemap", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        if (pagemap < 0)
        {
            Libc.Close(uffd);
            return null;
        }
        return new WriteTracker(new FileDescriptor(uffd), new FileDescriptor(pagemap));
    }

    /// <summary>Protects a range; one not wholly registered (it would not register, or was mapped anew) is left, and its scan reports it written.</summary>
    public unsafe void Protect(ulong start, ulong end)
    {
        var arg = stackalloc ulong[3] { start, end - start, UffdioWriteProtectModeWp };
        if (Libc.Ioctl(_uffd.Number, UffdioWriteProtect, arg) == 0)
            _protected.Add((start, end));
    }

    /// <summary>
    /// Adds the ranges written since they were protected to into, and
    /// without again the ranges not tracked (mapped anew since the arm, or
    /// that would not register), whole; with again, the written ones are
    /// protected again in the same walk and the untracked ones left out
    /// (the pause takes them). No PM_SCAN_CHECK_WPASYNC: it fails the whole
    /// call at an untracked mapping, losing the pages the walk had
    /// protected again before it. False: the scan failed, and all of the
    /// range must be taken as written.
    /// </summary>
    public unsafe bool Written(ulong start, ulong end, bool again, List<(ulong Start, ulong End)> into)
    {
        fixed (PageRegion* vec = _vector)
        {
            for (var at = start; at < end;)
            {
                var arg = new ScanArg
                {
                    Size = (ulong)sizeof(ScanArg),
                    Flags = again ? ScanWpMatching : 0,
                    Start = at,
                    End = end,
                    Vec = (ulong)vec,
                    VecLen = Vector,
                    // Exactly these masks take the kernel's fast path (twice
                    // as fast at 2 GiB). A mapping that cannot be protected
                    // reads as written throughout, holes too (6.18, probed).
                    CategoryMask = PageIsWritten,
                    ReturnMask = PageIsWritten,
                };
                var n = Libc.Ioctl(_pagemap.Number, PagemapScan, &arg);
                if (n < 0)
                {
                    if (Libc.LastError == Libc.EINTR)
                        continue;
                    return false;
                }
                for (var i = 0; i < n; i++)
                    into.Add((vec[i].Start, vec[i].End));
                if (arg.WalkEnd <= at)
                    return false;
                at = arg.WalkEnd;
            }
        }
        return true;
    }

    /// <summary>
    /// Lets every range go, a piece at a time: unregistering takes the
    /// program's mmap lock for writing, and one piece holds a faulting
    /// thread for a few ms where the whole 2 GiB would hold it for a few
    /// hundred (closing alone does the whole at once).
    /// </summary>
    public unsafe void Dispose()
    {
        var arg = stackalloc ulong[2];
        foreach (var (start, end) in _protected)
        {
            for (var at = start; at < end; at += Unprotecting)
            {
                arg[0] = at;
                arg[1] = Math.Min(Unprotecting, end - at);
                Libc.Ioctl(_uffd.Number, UffdioUnregister, arg);
            }
        }
        _protected.Clear();
        _uffd.Dispose();
        _pagemap.Dispose();
    }
}
