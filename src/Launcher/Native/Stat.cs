using System.Runtime.InteropServices;

namespace Zhuque.Launcher.Native;

/// <summary>glibc's struct stat on x86_64 (144 bytes); StatMirrorTests checks it against gcc.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Stat
{
    public ulong Dev;        // st_dev
    public ulong Ino;        // st_ino
    public ulong NLink;      // st_nlink
    public uint Mode;        // st_mode
    public uint Uid;         // st_uid
    public uint Gid;         // st_gid
    public int Pad0;         // __pad0
    public ulong RDev;       // st_rdev
    public long Size;        // st_size
    public long BlkSize;     // st_blksize
    public long Blocks;      // st_blocks
    public long ATimeSec;    // st_atim.tv_sec
    public long ATimeNsec;   // st_atim.tv_nsec
    public long MTimeSec;    // st_mtim.tv_sec
    public long MTimeNsec;   // st_mtim.tv_nsec
    public long CTimeSec;    // st_ctim.tv_sec
    public long CTimeNsec;   // st_ctim.tv_nsec
    public long Reserved0;   // __glibc_reserved[0]
    public long Reserved1;   // __glibc_reserved[1]
    public long Reserved2;   // __glibc_reserved[2]
}
