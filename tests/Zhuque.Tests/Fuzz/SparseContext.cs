using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;

namespace Zhuque.Tests.Fuzz;

/// <summary>
/// A context file held compactly in memory: its logical length and the few
/// ranges that hold data (extents, sorted, disjoint); everything else reads
/// as zeroes, as the holes of the sparse 1 GiB file do. A real saved context
/// uses a few KiB: the header page, each table up to its count and the save
/// area up to save_len. Mutations write into it; a write into a hole makes
/// a new extent. Cloning copies only the extents.
/// </summary>
public sealed class SparseContext
{
    readonly List<(long Offset, byte[] Bytes)> _extents;

    SparseContext(List<(long Offset, byte[] Bytes)> extents, long length)
    {
        _extents = extents;
        Length = length;
    }

    public long Length { get; private set; }

    public IReadOnlyList<(long Offset, byte[] Bytes)> Extents => _extents;

    /// <summary>The used parts of a context file, as its header names them.</summary>
    public static SparseContext Snapshot(string contextPath)
    {
        using var handle = File.OpenHandle(contextPath);
        var length = RandomAccess.GetLength(handle);
        var header = new byte[Math.Min(length, 4096)];
        RandomAccess.Read(handle, header, 0);
        var h = MemoryMarshal.Read<ZqHeader>(header);
        var context = new SparseContext([], length);
        (ulong Offset, ulong Size)[] used =
        [
            (0, (ulong)header.Length),
            (h.RegionOff, (ulong)h.RegionCount * (ulong)Unsafe.SizeOf<ZqRegion>()),
            (h.ThreadOff, (ulong)h.ThreadCount * (ulong)Unsafe.SizeOf<ZqThread>()),
            (h.FdOff, (ulong)h.FdCount * (ulong)Unsafe.SizeOf<ZqFd>()),
            (h.SaveOff, h.SaveLen),
        ];
        foreach (var (offset, size) in used.Where(u => u.Size > 0))
        {
            if (offset + size > (ulong)length || size > 64 << 20)
                throw new InvalidOperationException($"{contextPath} is not a saved context to start from (range 0x{offset:x}+{size})");
            var bytes = new byte[size];
            RandomAccess.Read(handle, bytes, (long)offset);
            context.Write((long)offset, bytes);
        }
        return context;
    }

    public SparseContext Clone() => new([.. _extents.Select(e => (e.Offset, (byte[])e.Bytes.Clone()))], Length);

    /// <summary>Bytes at offset: zeroes in holes and past the end (the caller decides what the end means).</summary>
    public void Read(long offset, Span<byte> buffer)
    {
        buffer.Clear();
        foreach (var (start, bytes) in _extents)
        {
            var from = Math.Max(start, offset);
            var to = Math.Min(start + bytes.Length, offset + buffer.Length);
            if (from < to)
                bytes.AsSpan((int)(from - start), (int)(to - from)).CopyTo(buffer[(int)(from - offset)..]);
        }
    }

    public byte[] Read(long offset, int count)
    {
        var bytes = new byte[count];
        Read(offset, bytes);
        return bytes;
    }

    public T Read<T>(long offset) where T : unmanaged
    {
        T value = default;
        Read(offset, MemoryMarshal.AsBytes(new Span<T>(ref value)));
        return value;
    }

    /// <summary>Writes bytes in place, or merges the extents it touches (and the holes between) into one.</summary>
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
            return;
        var end = offset + data.Length;
        var touched = _extents.Where(e => e.Offset <= end && e.Offset + e.Bytes.Length >= offset).ToList();
        if (touched.Count == 1 && touched[0].Offset <= offset && touched[0].Offset + touched[0].Bytes.Length >= end)
        {
            data.CopyTo(touched[0].Bytes.AsSpan((int)(offset - touched[0].Offset)));
            return;
        }
        var start = Math.Min(offset, touched.Count > 0 ? touched.Min(e => e.Offset) : offset);
        var stop = Math.Max(end, touched.Count > 0 ? touched.Max(e => e.Offset + e.Bytes.Length) : end);
        var merged = new byte[stop - start];
        foreach (var e in touched)
        {
            e.Bytes.CopyTo(merged, e.Offset - start);
            _extents.Remove(e);
        }
        data.CopyTo(merged.AsSpan((int)(offset - start)));
        _extents.Add((start, merged));
        _extents.Sort((a, b) => a.Offset.CompareTo(b.Offset));
    }

    public void Write<T>(long offset, T value) where T : unmanaged =>
        Write(offset, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    /// <summary>A shorter file loses what lies past its end; a longer one ends in a hole.</summary>
    public void SetLength(long length)
    {
        for (var i = _extents.Count - 1; i >= 0; i--)
        {
            var (offset, bytes) = _extents[i];
            if (offset >= length)
                _extents.RemoveAt(i);
            else if (offset + bytes.Length > length)
                _extents[i] = (offset, bytes[..(int)(length - offset)]);
        }
        Length = length;
    }

    public ZqHeader Header
    {
        get => Read<ZqHeader>(0);
        set => Write(0, value);
    }

    /// <summary>A read-only stream over the logical file: what ContextReader.Read(Stream) takes.</summary>
    public Stream AsStream() => new SparseStream(this);

    /// <summary>The file itself, sparse: for `zhuque inspect` on an image, and to keep a failing case.</summary>
    public void WriteFile(string path)
    {
        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        foreach (var (offset, bytes) in _extents)
            RandomAccess.Write(file.SafeFileHandle, bytes, offset);
        RandomAccess.SetLength(file.SafeFileHandle, Length);
    }

    sealed class SparseStream(SparseContext context) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => context.Length;

        long _position;

        /// <summary>As a FileStream's or a MemoryStream's: a negative position is the caller's error.</summary>
        public override long Position
        {
            get => _position;
            set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "a stream position cannot be negative");
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (Position >= context.Length)
                return 0;
            var n = (int)Math.Min(buffer.Length, context.Length - Position);
            context.Read(Position, buffer[..n]);
            Position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => context.Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
