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
        Bytes += SparseCopy.CopyPages(source, target, _buffer, offset, Math.Min(stop, RandomAccess.GetLength(source)));
    }

    /// <summary>The length of the image's file now, 0 where it has none (copied files only).</summary>
    public long Length(ZqFile file)
    {
        var name = BackingFiles.RelativePath(file);
        return name is not null && _files.TryGetValue(name, out var pair) ? RandomAccess.GetLength(pair.From) : 0;
    }

    /// <summary>
    /// The ranges the runtime punched since the copy began (PunchLog), each
    /// made the source's again, and each file's length: with the pages
    /// written, that is every change since the copy (but new files).
    /// </summary>
    public void MatchPunched(IEnumerable<ZqPunch> punched)
    {
        foreach (var (source, target) in _files.Values)
            MatchLength(source, target);
        foreach (var p in punched)
        {
            // A file the runtime could not open to punch is not there.
            var name = p.File < (uint)ZqFile.Count ? BackingFiles.RelativePath((ZqFile)p.File) : null;
            if (name is null || !_files.TryGetValue(name, out var pair))
                continue;
            var length = RandomAccess.GetLength(pair.From);
            var start = (long)Math.Min(p.Off, (ulong)length);
            var end = (long)Math.Min(p.Off + Math.Min(p.Len, ulong.MaxValue - p.Off), (ulong)length);
            Bytes += SparseCopy.CopyPages(pair.From, pair.To, _buffer, start, end);
        }
    }

    /// <summary>Each copied file's length and holes made the source's.</summary>
    public void MatchHoles()
    {
        foreach (var (source, target) in _files.Values)
        {
            var length = MatchLength(source, target);
            int sfd = (int)source.DangerousGetHandle(), tfd = (int)target.DangerousGetHandle();
            // Where the copy has data, the source's holes are punched.
            foreach (var (data, end) in SparseCopy.DataRanges(tfd, 0, length))
            {
                var at = data;
                foreach (var (start, stop) in SparseCopy.DataRanges(sfd, data, end))
                {
                    Punch(target, at, start - at);
                    at = stop;
                }
                Punch(target, at, end - at);
            }
        }
    }

    /// <summary>The copy's length made the source's; returns it.</summary>
    static long MatchLength(SafeFileHandle source, SafeFileHandle target)
    {
        var length = RandomAccess.GetLength(source);
        if (RandomAccess.GetLength(target) != length)
            RandomAccess.SetLength(target, length);
        return length;
    }

    static void Punch(SafeFileHandle target, long offset, long length) =>
        SparseCopy.Punch((int)target.DangerousGetHandle(), offset, length);

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
