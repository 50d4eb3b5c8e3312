using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Zhuque.Interpose.Image;

/// <summary>
/// Where the bytes of a context come from: the file (pread, nothing
/// mapped) or a seekable stream, such as an in-memory copy. The reader and
/// the checksum see only this, so both ways in share one implementation.
/// </summary>
abstract class ContextSource
{
    public abstract long Length { get; }

    /// <summary>Up to buffer.Length bytes at offset; 0 at the end.</summary>
    protected abstract int ReadAt(Span<byte> buffer, long offset);

    public static ContextSource Of(SafeFileHandle handle) => new HandleSource(handle);

    public static ContextSource Of(Stream stream) => new StreamSource(stream);

    /// <summary>Fills buffer from offset; a file that ends first is truncated.</summary>
    public void ReadExactly(Span<byte> buffer, long offset)
    {
        while (!buffer.IsEmpty)
        {
            var n = ReadAt(buffer, offset);
            if (n <= 0)
                throw new ContextCorruptException($"context is truncated at offset {offset}");
            buffer = buffer[n..];
            offset += n;
        }
    }

    public T ReadStruct<T>(long offset) where T : unmanaged
    {
        T value = default;
        ReadExactly(MemoryMarshal.AsBytes(new Span<T>(ref value)), offset);
        return value;
    }

    sealed class HandleSource(SafeFileHandle handle) : ContextSource
    {
        public override long Length { get; } = RandomAccess.GetLength(handle);

        protected override int ReadAt(Span<byte> buffer, long offset) => RandomAccess.Read(handle, buffer, offset);
    }

    sealed class StreamSource : ContextSource
    {
        readonly Stream _stream;

        public StreamSource(Stream stream)
        {
            if (!stream.CanRead || !stream.CanSeek)
                throw new ArgumentException("a context is read from a readable, seekable stream", nameof(stream));
            _stream = stream;
            Length = stream.Length;
        }

        public override long Length { get; }

        protected override int ReadAt(Span<byte> buffer, long offset)
        {
            _stream.Position = offset;
            return _stream.Read(buffer);
        }
    }
}
