using System.Runtime.InteropServices;
using Serilog;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// On a disk filesystem a failure is saved once the image's dirty pages are
/// on disk (the runtime's msync), so its time grows with what the program
/// wrote since its pages were last written back: about a second for 2 GiB
/// just written. While the program runs, this thread looks at the image
/// files' dirty pages every 20 ms (cachestat, Linux 6.5) and, once they
/// pass half the limit, starts their writeback (sync_file_range
/// WAIT_BEFORE|WRITE: the previous writeback of those pages first, so that
/// no more than one pass is ever in flight). A failure then finds about the
/// limit or less left to flush, as long as the program dirties memory no
/// faster than the disk writes it; a faster one is held back only by the
/// kernel's own dirty limits. Nothing is done on tmpfs (nothing to write
/// back) or when the limit is 0; a kernel without cachestat starts
/// writeback at every pass.
/// </summary>
public sealed class DirtyWriter : IDisposable
{
    public const int DefaultLimitMiB = 64;
    const long TmpfsMagic = 0x01021994, RamfsMagic = 0x858458f6;
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    readonly string _regions;
    readonly string _context;
    readonly long _limit;
    readonly ILogger _log;
    readonly ManualResetEventSlim _stop = new();
    readonly Thread _thread;
    readonly Dictionary<string, int> _files = [];
    bool _noCachestat;

    DirtyWriter(ImageDirectory dir, long limit, ILogger log)
    {
        _regions = dir.File(ImageFiles.Regions);
        _context = dir.File(ImageFiles.Context);
        _limit = limit;
        _log = log;
        _thread = new Thread(Run) { IsBackground = true, Name = "zhuque dirty writer" };
        _thread.Start();
    }

    /// <summary>The writer for an image, or null when it has nothing to do there.</summary>
    public static DirtyWriter? Start(ImageDirectory dir, long limitBytes, ILogger log) =>
        limitBytes <= 0 || InMemory(dir.Fd) ? null : new DirtyWriter(dir, limitBytes, log);

    static unsafe bool InMemory(int fd)
    {
        var buffer = stackalloc byte[128];
        if (Libc.FStatFs(fd, buffer) != 0)
            return false;
        var type = *(long*)buffer;
        return type == TmpfsMagic || type == RamfsMagic;
    }

    void Run()
    {
        try
        {
            for (var pass = 0; !_stop.Wait(Interval); pass++)
            {
                if (pass % 50 == 0)
                    Rescan();
                Pass();
            }
        }
        catch (Exception e)
        {
            // The program's run does not depend on this thread: say so and stop.
            _log.Warning("the dirty-page writer stopped: {Message}", e.Message);
        }
        finally
        {
            foreach (var fd in _files.Values)
                Libc.Close(fd);
        }
    }

    /// <summary>Region files come and go (regions/fixed appears at its first use).</summary>
    void Rescan()
    {
        var names = Directory.Exists(_regions) ? Directory.GetFiles(_regions).Append(_context) : [_context];
        foreach (var name in names)
        {
            if (_files.ContainsKey(name))
                continue;
            var fd = Libc.Open(name, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_CLOEXEC, 0);
            if (fd >= 0)
                _files[name] = fd;
        }
    }

    void Pass()
    {
        var dirty = new List<int>();
        long pages = 0;
        foreach (var fd in _files.Values)
        {
            var n = DirtyPages(fd);
            if (n != 0)
                dirty.Add(fd);
            pages += Math.Max(n, 0);
        }
        if (!_noCachestat && pages * Environment.SystemPageSize < _limit / 2)
            return;
        foreach (var fd in dirty)
            Libc.SyncFileRange(fd, 0, 0, Libc.SYNC_FILE_RANGE_WAIT_BEFORE | Libc.SYNC_FILE_RANGE_WRITE);
    }

    /// <summary>Dirty pages of the file, or -1 if cachestat cannot say.</summary>
    unsafe long DirtyPages(int fd)
    {
        if (_noCachestat)
            return -1;
        var range = stackalloc long[2];
        var stat = stackalloc long[5];
        range[0] = range[1] = 0;
        if (Libc.Syscall4(Libc.SYS_cachestat, fd, range, stat, 0) != 0)
        {
            _noCachestat = Marshal.GetLastPInvokeError() == 38; // ENOSYS
            return -1;
        }
        return stat[1];
    }

    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }
}
