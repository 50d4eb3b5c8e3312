namespace Zhuque.Launcher.Native;

/// <summary>
/// A write-only stream that calls write(2) on an fd it does not own. Not
/// FileStream: on a regular file that one writes with pwrite at a position of
/// its own and never moves the fd's offset, so a shell's `{ zhuque ...; echo; } > f`
/// would have the echo overwrite zhuque's output.
/// </summary>
public sealed class FdWriteStream(int fd) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            nint n;
            fixed (byte* p = buffer)
                n = Libc.Write(fd, p, (nuint)buffer.Length);
            if (n < 0)
            {
                var errno = Libc.LastError;
                if (errno == Libc.EINTR)
                    continue;
                if (errno == Libc.EBADF)
                    return; // started with this fd closed: there is nowhere to write
                throw new IOException(Libc.Message(errno), errno);
            }
            buffer = buffer[(int)n..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
