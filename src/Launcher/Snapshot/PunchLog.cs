using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Snapshot;

/// <summary>
/// The ranges the runtime punched in its image files (image.h,
/// ZQ_PUNCH_OFF: a ring in the context's first page, each entry logged
/// before its punch, under the runtime's lock). A punch is no write, so
/// the write tracker misses it; read while the threads are held, the log
/// says which ranges to match again instead of every hole of every file.
/// </summary>
public static class PunchLog
{
    /// <summary>Punches logged so far.</summary>
    public static ulong Count(ImageDirectory dir)
    {
        using var handle = Open(dir);
        return Count(handle);
    }

    static ulong Count(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        ulong seq = 0;
        RandomAccess.Read(handle, MemoryMarshal.AsBytes(new Span<ulong>(ref seq)), (long)Layout.PunchOff);
        return seq;
    }

    /// <summary>
    /// The punches logged since the count was from, and the one before it
    /// (a thread between logging and punching, held or not, punches after
    /// the count was read), with the count now; null when the ring no
    /// longer holds them all. While the program runs, the ring may be
    /// written during the read: an entry is good if the count read after
    /// it shows the writer not yet at its slot again.
    /// </summary>
    public static (ZqPunch[]? Punched, ulong Count) Since(ImageDirectory dir, ulong from)
    {
        using var handle = Open(dir);
        var ring = new byte[8 + (Layout.PunchCap * Marshal.SizeOf<ZqPunch>())];
        RandomAccess.Read(handle, ring, (long)Layout.PunchOff);
        var seq = MemoryMarshal.Read<ulong>(ring);
        var start = from > 0 ? from - 1 : 0;
        var after = Count(handle);
        if (seq < start || after - start >= Layout.PunchCap)
            return (null, seq);
        var at = MemoryMarshal.Cast<byte, ZqPunch>(ring.AsSpan(8));
        var punched = new ZqPunch[seq - start];
        for (var i = start; i < seq; i++)
            punched[i - start] = at[(int)(i % Layout.PunchCap)];
        return (punched, seq);
    }

    static Microsoft.Win32.SafeHandles.SafeFileHandle Open(ImageDirectory dir) =>
        ContextFile.Open(dir, Native.Libc.O_RDONLY)
            ?? throw new ZhuqueException(ReturnCode.ImageCorrupt, $"image {dir.Path} lost its context");
}
