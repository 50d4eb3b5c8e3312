using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Snapshot;

/// <summary>
/// The region files of an image being copied into a snapshot while the
/// program runs: the first pass copies every file by its data ranges, then
/// pages are copied again by the addresses the program wrote (each
/// region's address maps to its file at offset + (address - start)), and
/// at the end the copy's holes and lengths are made the source's (the
/// runtime punches what munmap frees, which no write-protect sees).
/// </summary>
public sealed class RegionCopy(ImageDirectory from, ImageDirectory to) : IDisposable
{
    readonly Dictionary<string, (SafeFileHandle From, SafeFileHandle To)> _files = [];
    readonly List<FileDescriptor> _owned = [];
    readonly byte[] _buffer = new byte[1 << 20];

    public long Bytes { get; private set; }

    /// <summary>Every file under regions/, whole (by data ranges).</summary>
    public void CopyAll()
    {
        if (Libc.MkDirAt(to.Fd, ImageFiles.Regions, ImageFiles.DirectoryMode) != 0 && Libc.LastError != Libc.EEXIST)
            throw new IOException($"cannot create {to.File(ImageFiles.Regions)}: {Libc.Message(Libc.LastError)}");
        foreach (var name in Names())
        {
            var (source, target) = Open(name);
            Bytes += SparseCopy.Copy(source, target, _buffer);
        }
    }

    /// <summary>Files under regions/ that appeared since CopyAll, whole.</summary>
    public void CopyNew()
    {
        foreach (var name in Names().Where(n => !_files.ContainsKey(n)))
        {
            var (source, target) = Open(name);
            Bytes += SparseCopy.Copy(source, target, _buffer);
        }
    }

    /// <summary>The address range [start, end) of region r, again: each page as the file holds it now.</summary>
    public void CopyRange(ZqRegion r, ulong start, ulong end)
    {
        var name = BackingFiles.RelativePath((ZqFile)r.File);
        if (name is null)
            return;
        var (source, target) = Open(name);
        var offset = (long)(r.Offset + (start - r.Start));
        var stop = offset + (long)(end - start);
        var length = RandomAccess.GetLength(source);
        var fd = (int)source.DangerousGetHandle();
        for (var at = offset; at < stop && at < length;)
        {
            var data = Libc.LSeek(fd, at, Libc.SEEK_DATA);
            if (data < 0 || data >= stop)
            {
                Punch(target, at, stop - at);
                break;
            }
            if (data > at)
                Punch(target, at, data - at);
            var hole = Libc.LSeek(fd, data, Libc.SEEK_HOLE);
            hole = hole < 0 ? stop : Math.Min(hole, stop);
            for (var p = data; p < hole;)
            {
                var n = RandomAccess.Read(source, _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, hole - p)), p);
                if (n == 0)
                    break;
                RandomAccess.Write(target, _buffer.AsSpan(0, n), p);
                p += n;
                Bytes += n;
            }
            at = hole;
        }
    }

    /// <summary>Each copied file's length and holes made the source's.</summary>
    public void MatchHoles()
    {
        foreach (var (source, target) in _files.Values)
        {
            var length = RandomAccess.GetLength(source);
            if (RandomAccess.GetLength(target) != length)
                RandomAccess.SetLength(target, length);
            int sfd = (int)source.DangerousGetHandle(), tfd = (int)target.DangerousGetHandle();
            for (long at = 0; at < length;)
            {
                var data = Libc.LSeek(tfd, at, Libc.SEEK_DATA);
                if (data < 0 || data >= length)
                    break;
                var end = Libc.LSeek(tfd, data, Libc.SEEK_HOLE);
                end = end < 0 ? length : Math.Min(end, length);
                for (var p = data; p < end;)
                {
                    var hole = Libc.LSeek(sfd, p, Libc.SEEK_HOLE);
                    if (hole < 0 || hole >= end)
                        break;
                    var next = Libc.LSeek(sfd, hole, Libc.SEEK_DATA);
                    next = next < 0 ? end : Math.Min(next, end);
                    Punch(target, hole, next - hole);
                    p = next;
                }
                at = end;
            }
        }
    }

    static void Punch(SafeFileHandle target, long offset, long length)
    {
        if (length > 0 && Libc.FAllocate((int)target.DangerousGetHandle(), Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length) != 0)
            throw new IOException($"cannot punch the snapshot's file: {Libc.Message(Libc.LastError)}");
    }

    IEnumerable<string> Names() =>
        Directory.EnumerateFiles(from.Through(ImageFiles.Regions)).Select(p => $"{ImageFiles.Regions}/{Path.GetFileName(p)}").Order(StringComparer.Ordinal);

    (SafeFileHandle From, SafeFileHandle To) Open(string name)
    {
        if (_files.TryGetValue(name, out var pair))
            return pair;
        var source = from.OpenFile(name, Libc.O_RDONLY)
            ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {from.Path} has no {name}");
        var fd = to.OpenDescriptor(name, Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL, ImageFiles.FileMode)
            ?? throw new IOException($"cannot create {to.File(name)}");
        _owned.Add(fd);
        var target = new SafeFileHandle(fd.Number, ownsHandle: false);
        _files[name] = (source, target);
        return (source, target);
    }

    public void Dispose()
    {
        foreach (var (source, target) in _files.Values)
        {
            source.Dispose();
            target.Dispose();
        }
        foreach (var fd in _owned)
            fd.Dispose();
    }
}
