using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Core;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Core;

/// <summary>
/// Writes a planned core: the head, then each region's bytes at its
/// segment's offset. Only the data ranges of the region files are read
/// (lseek SEEK_DATA/SEEK_HOLE), and within them pages of zeros are not
/// written (a reserved image's file space reads as data until stored to):
/// the time goes with resident memory, and the core stays as sparse as the
/// image. Patches are written over the copied bytes. Written to FILE.tmp, renamed over FILE when whole. Progress goes
/// to its writer every tenth of the way when there is over ProgressFrom.
/// </summary>
public sealed class CoreFileWriter(string path, CoreLayout layout, IReadOnlyList<CoreBytes> patches, Func<ZqFile, SafeFileHandle?> open, TextWriter progress)
{
    const int Chunk = 1 << 20;
    const long ProgressFrom = 256L << 20;
    const int Page = (int)CoreConstants.PageSize;

    readonly Dictionary<ZqFile, SafeFileHandle?> _files = [];
    long _total, _done, _nextReport;

    /// <summary>Returns the bytes of memory written.</summary>
    public long Write()
    {
        var temporary = path + ".tmp";
        var stream = Create(temporary);
        try
        {
            using (stream)
            {
                var core = stream.SafeFileHandle;
                var ranges = Ranges().ToList();
                _total = ranges.Sum(r => r.Length);
                _nextReport = _total / 10;
                RandomAccess.SetLength(core, (long)layout.Length);
                RandomAccess.Write(core, layout.Head, 0);
                var buffer = new byte[Chunk];
                foreach (var r in ranges)
                    Copy(r, core, buffer);
                foreach (var p in patches)
                {
                    if (layout.FileOffsetOf(p.Address) is { } at)
                        RandomAccess.Write(core, p.Bytes, at);
                }
            }
            File.Move(temporary, path, overwrite: true);
            return _done;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        finally
        {
            foreach (var h in _files.Values)
                h?.Dispose();
        }
    }

    /// <summary>0600, as the kernel makes a core: it holds all of the program's memory.</summary>
    static FileStream Create(string file)
    {
        try
        {
            return new FileStream(file, new FileStreamOptions
            {
                Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"cannot write the core file {file}: {e.Message}");
        }
    }

    readonly record struct DataRange(SafeFileHandle File, long From, long Length, long CoreOffset);

    /// <summary>The data ranges of every segment with contents, in file order.</summary>
    IEnumerable<DataRange> Ranges()
    {
        foreach (var s in layout.Segments.Where(s => s.FileSize > 0))
        {
            var file = (ZqFile)s.Region.File;
            if (!_files.TryGetValue(file, out var handle))
                _files[file] = handle = open(file);
            if (handle is null)
                continue; // its pages read as zeros, as the released memory of an exited run would
            var fd = (int)handle.DangerousGetHandle();
            var start = (long)s.Region.Offset;
            var end = start + (long)s.FileSize;
            for (var position = start; position < end;)
            {
                var data = Libc.LSeek(fd, position, Libc.SEEK_DATA);
                if (data < 0 || data >= end)
                    break; // ENXIO: no data after position
                var hole = Libc.LSeek(fd, data, Libc.SEEK_HOLE);
                hole = hole < 0 ? end : Math.Min(hole, end);
                yield return new DataRange(handle, data, hole - data, (long)s.FileOffset + (data - start));
                position = hole;
            }
        }
    }

    void Copy(DataRange r, SafeFileHandle core, byte[] buffer)
    {
        for (long at = 0; at < r.Length;)
        {
            var n = RandomAccess.Read(r.File, buffer.AsSpan(0, (int)Math.Min(Chunk, r.Length - at)), r.From + at);
            if (n == 0)
                break; // the file ends early: the rest stays a hole
            for (var page = 0; page < n; page += Page)
            {
                var bytes = buffer.AsSpan(page, Math.Min(Page, n - page));
                if (bytes.ContainsAnyExcept((byte)0))
                    RandomAccess.Write(core, bytes, r.CoreOffset + at + page);
            }
            at += n;
            Report(n);
        }
    }

    void Report(long n)
    {
        _done += n;
        if (_total < ProgressFrom || _done < _nextReport)
            return;
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"zhuque: core: {100 * _done / _total}% ({_done >> 20} of {_total >> 20} MiB)"));
        _nextReport += _total / 10;
    }
}
