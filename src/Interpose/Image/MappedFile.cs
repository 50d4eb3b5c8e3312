using System.Text;

namespace Zhuque.Interpose.Image;

/// <summary>
/// An entry of the mapped-file table (zq_mapfile): a file the program
/// mapped read-only (or shared and writable), which a resume opens by path
/// and maps again once its device, inode, size and modification time are
/// those recorded (a writable one: device and inode, as the program changes it),
/// and its bytes have the recorded content hash (zq_hash; 0: none recorded).
/// </summary>
public sealed record MappedFile(string Path, ulong Dev, ulong Ino, ulong Size, long MtimeSec, ulong MtimeNsec, bool Shared, bool Writable = false, ulong Hash = 0)
{
    const uint MapShared = 1, MapSharedValidate = 3, MapType = 0xf;

    public static unsafe MappedFile From(ZqMapFile m)
    {
        var length = (int)Math.Min(m.PathLen, (uint)ZqMapFile.PathSize);
        var path = Encoding.UTF8.GetString(new ReadOnlySpan<byte>((byte*)m.Path, length));
        return new MappedFile(path, m.Dev, m.Ino, m.Size, m.MtimeSec, m.MtimeNsec, (m.Flags & MapType) is MapShared or MapSharedValidate,
            (m.Flags & Layout.MapWritable) != 0, m.Hash);
    }

    /// <summary>st_mtim as recorded, or null when it is no time a clock could show.</summary>
    public DateTimeOffset? Modified =>
        MtimeSec is >= 0 and < 253402300800 && MtimeNsec < 1_000_000_000
            ? DateTimeOffset.UnixEpoch.AddTicks((MtimeSec * TimeSpan.TicksPerSecond) + (long)(MtimeNsec / 100))
            : null;
}
