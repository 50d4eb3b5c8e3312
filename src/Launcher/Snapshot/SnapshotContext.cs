using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Snapshot;

/// <summary>
/// A snapshot is an image of its own: files the program maps from its
/// image (a dynamic program's copy of libc.so, regions/libc.so) are named
/// in the mapped-file table by the original image's path, device, inode and
/// time. In the copy they name the copy's own file, and the checksum is
/// made again, so the snapshot resumes when the original is gone.
/// </summary>
public static class SnapshotContext
{
    public static unsafe void Retarget(ImageDirectory from, ImageDirectory to)
    {
        using var handle = to.OpenFile(ImageFiles.Context, Libc.O_RDWR)
            ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"the snapshot {to.Path} has no context");
        var header = ContextReader.ReadHeader(handle, RandomAccess.GetLength(handle));
        var prefix = from.File(ImageFiles.Regions) + "/";
        var size = Unsafe.SizeOf<ZqMapFile>();
        var changed = false;
        for (var i = 0; i < header.MapCount; i++)
        {
            var offset = (long)header.MapOff + ((long)i * size);
            ZqMapFile m = default;
            var bytes = MemoryMarshal.AsBytes(new Span<ZqMapFile>(ref m));
            RandomAccess.Read(handle, bytes, offset);
            var path = Encoding.UTF8.GetString(new ReadOnlySpan<byte>((byte*)m.Path, (int)Math.Min(m.PathLen, (uint)ZqMapFile.PathSize)));
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            var name = path[(from.Path.Length + 1)..];
            using var copy = to.OpenFile(name, Libc.O_RDONLY)
                ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"the snapshot {to.Path} has no {name}");
            var st = Posix.FStat((int)copy.DangerousGetHandle());
            var newPath = Encoding.UTF8.GetBytes(to.File(name));
            if (newPath.Length >= ZqMapFile.PathSize)
                throw new ZhuqueException(ReturnCode.UsageOrInternal, $"{to.File(name)}: path too long for the image");
            var field = new Span<byte>((byte*)m.Path, ZqMapFile.PathSize);
            field.Clear();
            newPath.CopyTo(field);
            m.PathLen = (uint)newPath.Length;
            m.Dev = st.Dev;
            m.Ino = st.Ino;
            m.MtimeSec = st.MTimeSec;
            m.MtimeNsec = (ulong)st.MTimeNsec;
            RandomAccess.Write(handle, bytes, offset);
            changed = true;
        }
        if (!changed)
            return;
        var sum = ContextChecksum.Compute(handle, header);
        RandomAccess.Write(handle, MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in sum)), ContextChecksum.ChecksumOffset);
    }
}
