using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Image;

// Mirror of native/include/zhuque/image.h, field by field and in the same
// order. LayoutMirrorTests compiles the C header and compares every offset,
// size, signedness and constant; change both files together. A C union is
// mirrored by a struct of LayoutKind.Explicit, every field at offset 0.
// Who writes each header field and state (shim, runtime, launcher) is said
// in image.h only.

public static class Layout
{
    [CName("ZQ_MAGIC")] public const ulong Magic = 0x314d494555514857UL; // "WHQUEIM1" little-endian
    [CName("ZQ_ABI_VERSION")] public const uint AbiVersion = 9;
    [CName("AT_ZHUQUE")] public const ulong AtZhuque = 0x5a51;

    [CName("ZQ_SHIM_BASE")] public const ulong ShimBase = 0x0000080000000000UL;
    [CName("ZQ_CONTEXT_ADDR")] public const ulong ContextAddr = 0x0000100000000000UL;
    [CName("ZQ_CONTEXT_SIZE")] public const ulong ContextSize = 0x0000000040000000UL;
    [CName("ZQ_STACK_TOP")] public const ulong StackTop = 0x0000100100000000UL;
    [CName("ZQ_STACK_MAX")] public const ulong StackMax = 0x00000000c0000000UL;
    [CName("ZQ_ARENA_BASE")] public const ulong ArenaBase = 0x0000200000000000UL;
    [CName("ZQ_ARENA_SIZE")] public const ulong ArenaSize = 0x0000080000000000UL;
    [CName("ZQ_BRK_MAX")] public const ulong BrkMax = 0x0000000040000000UL;
    [CName("ZQ_FILES_BASE")] public const ulong FilesBase = 0x0000050000000000UL; // kernel-chosen file mappings (libraries), up to ZQ_SHIM_BASE
    [CName("ZQ_GATE_ADDR")] public const ulong GateAddr = 0x00000c0000000000UL; // the shim's system call gate (seccomp)

    // The region files live under IMAGE/RegionsDir, named by FileNames.
    [CName("ZQ_REGIONS_DIR")] public const string RegionsDir = "regions";

    /// <summary>zq_file_names: the backing file of each ZqFile below Count, by name under RegionsDir; "" for none (the program).</summary>
    [CName("zq_file_names")]
    public static readonly IReadOnlyList<string> FileNames = ["", "data", "stack", "brk", "arena", "fixed"];

    [CName("ZQ_SIGSTOP_THREAD")] public const int SigstopThread = 35; // the runtime's private signal

    [CName("ZQ_FLAG_SYNC")] public const uint FlagSync = 1; // header flags: msync at failure
    [CName("ZQ_FLAG_LAZY_SPACE")] public const uint FlagLazySpace = 2; // run --lazy-space: file space taken at first store

    [CName("ZQ_PUNCH_OFF")] public const ulong PunchOff = 0x0000000000000400UL;   // ulong seq, then PunchCap ZqPunch: what the runtime punched
    [CName("ZQ_PUNCH_CAP")] public const uint PunchCap = 120;
    [CName("ZQ_REGIONS_OFF")] public const ulong RegionsOff = 0x0000000000001000UL;
    [CName("ZQ_REGIONS_CAP")] public const uint RegionsCap = 1u << 20;
    [CName("ZQ_THREADS_OFF")] public const ulong ThreadsOff = 0x0000000002001000UL;
    [CName("ZQ_THREADS_CAP")] public const uint ThreadsCap = 1u << 16;
    [CName("ZQ_FDS_OFF")] public const ulong FdsOff = 0x0000000002400000UL;       // descriptors saved at a failure
    [CName("ZQ_FDS_CAP")] public const uint FdsCap = 1u << 18;
    [CName("ZQ_BACKLOG_OFF")] public const ulong BacklogOff = 0x0000000003c00000UL; // int32 listen backlog by fd
    [CName("ZQ_SCRATCH_OFF")] public const ulong ScratchOff = 0x0000000003d00000UL; // the runtime's work space
    [CName("ZQ_SCRATCH_SIZE")] public const ulong ScratchSize = 0x0000000000300000UL;
    [CName("ZQ_SAVE_OFF")] public const ulong SaveOff = 0x0000000004000000UL;       // bytes the descriptors name
    [CName("ZQ_SAVE_SIZE")] public const ulong SaveSize = 0x000000003b000000UL;
    [CName("ZQ_MAPS_OFF")] public const ulong MapsOff = 0x000000003f000000UL;       // files mapped read-only
    [CName("ZQ_MAPS_CAP")] public const uint MapsCap = 1u << 12;
    [CName("ZQ_MAP_WRITABLE")] public const uint MapWritable = 0x100; // zq_mapfile flags: shared and writable, told by dev and ino
    [CName("ZQ_RESERVE_CHUNK")] public const ulong ReserveChunk = 0x0000000000010000UL; // file space a table takes at a time
    [CName("ZQ_RESERVE_SAVE")] public const ulong ReserveSave = 0x0000000000040000UL;   // of the save area, taken at start

    // The checksum of a saved image (ContextChecksum): FNV-1a, 64-bit.
    [CName("ZQ_FNV_OFFSET")] public const ulong FnvOffset = 0xcbf29ce484222325UL;
    [CName("ZQ_FNV_PRIME")] public const ulong FnvPrime = 0x100000001b3UL;
    [CName("ZQ_HASH_MUL")] public const ulong HashMul = 0x9e3779b97f4a7c15UL; // zq_hash: a mapped file's content hash
}

[CName("zq_state")]
public enum ZqState : uint
{
    [CName("ZQ_STATE_NEW")] New = 0,         // being created by the shim
    [CName("ZQ_STATE_RUNNING")] Running = 1,
    [CName("ZQ_STATE_SAVED")] Saved = 2,     // failure captured, resumable
    [CName("ZQ_STATE_EXITED")] Exited = 3,   // normal exit, memory released
    [CName("ZQ_STATE_LOST")] Lost = 4,       // died without a saved context
    [CName("ZQ_STATE_FAULTED")] Faulted = 5, // the program crashed itself
}

/// <summary>Why a failure was not saved (state lost); lost_errno says more: 0 when a table is at its capacity.</summary>
[CName("zq_lost")]
public enum ZqLost : uint
{
    [CName("ZQ_LOST_NONE")] None = 0,
    [CName("ZQ_LOST_TASKS")] Tasks = 1,     // /proc/self/task could not be read
    [CName("ZQ_LOST_THREADS")] Threads = 2, // the thread table
    [CName("ZQ_LOST_TIMEOUT")] Timeout = 3, // a thread did not stop in time
    [CName("ZQ_LOST_FDS")] Fds = 4,         // the descriptor table
    [CName("ZQ_LOST_SAVE")] Save = 5,       // the save area (pipe bytes, paths, addresses)
    [CName("ZQ_LOST_RUNTIME")] Runtime = 6, // killed inside the runtime (guard)
    [CName("ZQ_LOST_GUARD")] Guard = 7,     // the guard could not write a thread's frame
}

[CName("zq_file")]
public enum ZqFile : uint
{
    [CName("ZQ_FILE_PROGRAM")] Program = 0, // the program file, private and read-only
    [CName("ZQ_FILE_DATA")] Data = 1,       // writable PT_LOAD segments
    [CName("ZQ_FILE_STACK")] Stack = 2,     // main thread stack
    [CName("ZQ_FILE_BRK")] Brk = 3,         // emulated brk heap
    [CName("ZQ_FILE_ARENA")] Arena = 4,     // anonymous mmaps: offset = addr - ArenaBase
    [CName("ZQ_FILE_FIXED")] Fixed = 5,     // MAP_FIXED outside the window: offset = addr
    [CName("ZQ_FILE_COUNT")] Count = 6,
    [CName("ZQ_FILE_MAPPED")] Mapped = 0x100, // + i: entry i of the mapped-file table
}

/// <summary>A mapped range, kept sorted by start and merged like kernel VMAs.</summary>
[CName("zq_region")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqRegion
{
    public ulong Start;  // start: page aligned
    public ulong End;    // end: exclusive, page aligned
    public ulong Offset; // offset: of start in the backing file
    public uint Prot;    // prot: PROT_*
    public uint File;    // file: enum zq_file
}

/// <summary>Whether an edit of the region table is under way (image.h, "Runtime sections").</summary>
[CName("zq_splice_state")]
public enum ZqSpliceState : uint
{
    [CName("ZQ_SPLICE_NONE")] None = 0,
    [CName("ZQ_SPLICE_PENDING")] Pending = 1, // the edit counts as done; zq_region_view reads its result
}

[CName("zq_thread_state")]
public enum ZqThreadState : uint
{
    [CName("ZQ_THREAD_FREE")] Free = 0,
    [CName("ZQ_THREAD_CAPTURED")] Captured = 1, // its frame is on its stack, complete
}

/// <summary>A thread captured at a failure.</summary>
[CName("zq_thread")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ZqThread
{
    public ulong Tp;    // tp: thread pointer (fs base)
    public ulong Frame; // frame: its ucontext_t, pushed by the kernel on its stack
    public int Tid;       // tid: kernel tid at failure
    public uint State;    // state: enum zq_thread_state
    public uint Signo;    // signo: the signal that stopped it
    public uint SsFlags;  // ss_flags: its sigaltstack
    public ulong SsSp;    // ss_sp
    public ulong SsSize;  // ss_size
    public int MemTid;    // mem_tid: the tid musl's memory may name besides tid (a resume cut short)
    public uint Pad0;     // pad0
    public fixed byte Comm[16]; // comm: its name (PR_GET_NAME), given back at resume
}

/// <summary>A range of an image file the runtime punched (or cut short), logged before the punch (Layout.PunchOff).</summary>
[CName("zq_punch")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqPunch
{
    public ulong Off;  // off
    public ulong Len;  // len
    public uint File;  // file: enum zq_file
    public uint Pad;   // pad
}

/// <summary>A thread's sigaltstack as it last set it, kept by the runtime in program memory for the guard.</summary>
[CName("zq_altstack")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqAltstack
{
    public ulong Tp;    // tp: its thread pointer; 0 a free entry
    public ulong Sp;    // sp
    public ulong Size;  // size
    public int Tid;     // tid
    public uint Flags;  // flags: SS_DISABLE, or 0
}

/// <summary>What a descriptor was, saved at a failure: one save/restore pair per kind.</summary>
[CName("zq_fd_kind")]
public enum ZqFdKind : uint
{
    [CName("ZQ_FD_FILE")] File = 1,         // by path: regular file, directory, device, FIFO
    [CName("ZQ_FD_PIPE")] Pipe = 2,
    [CName("ZQ_FD_EVENTFD")] EventFd = 3,
    [CName("ZQ_FD_TIMERFD")] TimerFd = 4,
    [CName("ZQ_FD_SIGNALFD")] SignalFd = 5,
    [CName("ZQ_FD_EPOLL")] Epoll = 6,
    [CName("ZQ_FD_LISTEN")] Listen = 7,     // listening or bound datagram socket
    [CName("ZQ_FD_SOCKET")] Socket = 8,     // connected socket: comes back with its peer closed
    [CName("ZQ_FD_DUP")] Dup = 9,           // shares the open file description of same_as
    [CName("ZQ_FD_OTHER")] Other = 10,      // a kind Zhuque cannot restore
}

/// <summary>EVENTFD: its counter and mode.</summary>
[CName("zq_fd_eventfd")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ZqFdEventfd
{
    public ulong Count;        // count: the counter
    public ulong Semaphore;    // semaphore: 1 for EFD_SEMAPHORE
    public fixed ulong Pad[2]; // pad[2]
}

/// <summary>TIMERFD: its clock, time left and interval.</summary>
[CName("zq_fd_timerfd")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqFdTimerfd
{
    public ulong Clock;       // clock: its clockid
    public ulong ValueNs;     // value_ns: left before it fires; 0: disarmed
    public ulong IntervalNs;  // interval_ns: 0: fires once
    public ulong Pad;         // pad
}

/// <summary>SIGNALFD: its mask.</summary>
[CName("zq_fd_signalfd")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ZqFdSignalfd
{
    public ulong Mask;         // mask: bit n-1 for signal n
    public fixed ulong Pad[3]; // pad[3]
}

/// <summary>LISTEN: what socket(2) and listen(2) are given again.</summary>
[CName("zq_fd_listen")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqFdListen
{
    public ulong Domain;   // domain: SO_DOMAIN
    public ulong Type;     // type: SO_TYPE
    public ulong Protocol; // protocol: SO_PROTOCOL
    public ulong Backlog;  // backlog: given to listen(2), or SOMAXCONN
}

/// <summary>SOCKET: what socket(2) is given again, and a Unix socket's peer.</summary>
[CName("zq_fd_socket")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqFdSocket
{
    public ulong Domain;   // domain
    public ulong Type;     // type
    public ulong Protocol; // protocol
    public ulong PeerIno;  // peer_ino: Unix: the other end's inode, 0 unknown
}

/// <summary>What each kind keeps in zq_fd's arg (FILE, PIPE, EPOLL, DUP, OTHER: none).</summary>
[CName("zq_fd_arg")]
[StructLayout(LayoutKind.Explicit)]
public unsafe struct ZqFdArg
{
    [FieldOffset(0)] public fixed ulong Raw[4];       // raw[4]
    [FieldOffset(0)] public ZqFdEventfd Eventfd;      // eventfd
    [FieldOffset(0)] public ZqFdTimerfd Timerfd;      // timerfd
    [FieldOffset(0)] public ZqFdSignalfd Signalfd;    // signalfd
    [FieldOffset(0)] public ZqFdListen Listen;        // listen
    [FieldOffset(0)] public ZqFdSocket Socket;        // socket
}

[CName("zq_fd")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqFd
{
    public int Fd;            // fd
    public uint Kind;         // kind: enum zq_fd_kind
    public int Flags;         // flags: file status flags (F_GETFL)
    public int Cloexec;       // cloexec: FD_CLOEXEC
    public int SameAs;        // same_as: DUP: the lower descriptor it shares a file with
    public int Peer;          // peer: PIPE, SOCKET: a descriptor of the other end, or -1
    public ulong Pos;         // pos: FILE: offset
    public ulong Dev;         // dev: st_dev and st_ino, to tell shared files
    public ulong Ino;         // ino
    public ulong DataOff;     // data_off: in the save area: path, address and options,
    public uint DataLen;      // data_len: unread pipe bytes or epoll registrations
    public uint Deleted;      // deleted: FILE: unlinked while open
    public ZqFdArg Arg;       // arg: per kind, union zq_fd_arg
}

/// <summary>EPOLL data: one per registration.</summary>
[CName("zq_epoll_item")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqEpollItem
{
    public int Fd;       // fd
    public uint Events;  // events
    public ulong Data;   // data
}

/// <summary>LISTEN data: this head, the address (AddrLen bytes, padded to 8), then ZqSockopt entries.</summary>
[CName("zq_listen_head")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqListenHead
{
    public uint AddrLen; // addr_len
    public uint Pad;     // pad
}

/// <summary>LISTEN data: an option to set again.</summary>
[CName("zq_sockopt")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqSockopt
{
    public int Level;  // level
    public int Name;   // name
    public int Value;  // value
    public int Pad;    // pad
}

/// <summary>A file the program mapped read-only, mapped again from its path at resume once checked unchanged.</summary>
[CName("zq_mapfile")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ZqMapFile
{
    public const int PathSize = 4040;

    public ulong Dev;          // dev: st_dev, st_ino, st_size and st_mtim at mmap
    public ulong Ino;          // ino
    public ulong Size;         // size
    public long MtimeSec;      // mtime_sec
    public ulong MtimeNsec;    // mtime_nsec
    public uint Flags;         // flags: MAP_SHARED or MAP_PRIVATE, | ZQ_MAP_WRITABLE
    public uint PathLen;       // path_len
    public ulong Hash;         // hash: zq_hash of its bytes when recorded; 0: none
    public fixed sbyte Path[PathSize]; // path[4040]: /proc/self/fd's name of the descriptor
}

[CName("zq_header")]
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ZqHeader
{
    public ulong Magic;       // magic: ZQ_MAGIC
    public uint AbiVersion;   // abi_version: ZQ_ABI_VERSION
    public uint HeaderSize;   // header_size: sizeof(struct zq_header)
    public uint State;        // state: enum zq_state
    public int Pid;           // pid: of the process that owns the image
    public int ExitStatus;    // exit_status: valid when EXITED
    public uint Lock;         // lock: runtime lock word (futex)
    public ulong Checksum;    // checksum: of the header, this field taken as 0
    public ulong Entry;       // entry: program entry point
    public ulong Phdr;        // phdr: AT_PHDR
    public ulong Phnum;       // phnum: AT_PHNUM
    public ulong Vdso;        // vdso: AT_SYSINFO_EHDR at start
    public ulong BrkStart;    // brk_start
    public ulong BrkCur;      // brk_cur
    public ulong StackLow;    // stack_low: lowest address of the main stack
    public ulong StackTop;    // stack_top
    public ulong ArenaHint;   // arena_hint: next-fit position in the arena
    public uint RegionCount;  // region_count
    public uint RegionCap;    // region_cap
    public ulong RegionOff;   // region_off: ZQ_REGIONS_OFF
    public uint ThreadCount;  // thread_count
    public uint ThreadCap;    // thread_cap
    public ulong ThreadOff;   // thread_off: ZQ_THREADS_OFF
    public int DirFd;         // dir_fd: the image directory, O_PATH, close-on-exec
    public int LockFd;        // lock_fd: holds the flock of IMAGE/lock
    public ulong StartedNs;   // started_ns: CLOCK_REALTIME at start
    public ulong TlLock;      // tl_lock: &__thread_list_lock, every thread's clear-tid word
    public ulong ResumeEntry; // resume_entry: the runtime's __zq_resume_thread
    public ulong SavedNs;     // saved_ns: CLOCK_REALTIME when the last failure was saved
    public ulong SaveNs;      // save_ns: how long capturing it took
    public ulong SyncNs;      // sync_ns: of which flushing to disk (msync)
    public uint Failures;     // failures: saved over the image's life
    public uint Resumes;      // resumes
    public uint ResumeReady;  // resume_ready: threads waiting at the resume barrier
    public uint ResumeGo;     // resume_go: set when every thread may continue
    public uint PwrPending;   // pwr_pending: the program's SIGPWR handler is owed a call
    public uint Flags;        // flags: ZQ_FLAG_*
    public uint FdCount;      // fd_count: descriptors saved at the last failure
    public uint FdCap;        // fd_cap
    public ulong FdOff;       // fd_off: ZQ_FDS_OFF
    public ulong SaveOff;     // save_off: ZQ_SAVE_OFF
    public ulong SaveLen;     // save_len: bytes used in the save area
    public ulong CwdOff;      // cwd_off: the working directory, in the save area
    public uint CwdLen;       // cwd_len
    public uint Umask;        // umask
    public int ArenaFd;       // arena_fd: regions/arena, to take its space (fallocate)
    public uint Pad0;         // pad0
    public ulong Xcr0;        // xcr0: the CPU state components (XCR0) the frames hold
    public ulong VdsoHash;    // vdso_hash: FNV-1a of the vDSO's bytes at start
    public uint LostReason;   // lost_reason: enum zq_lost, when a failure was not saved
    public int LostErrno;     // lost_errno
    public uint MapCount;     // map_count: entries of the mapped-file table
    public uint MapCap;       // map_cap
    public ulong MapOff;      // map_off: ZQ_MAPS_OFF
    public ulong ProgBase;    // prog_base: load bias of an ET_DYN program, 0 for ET_EXEC
    public ulong InterpBase;  // interp_base: libc.so's load bias, 0 for a static program
    public uint SpliceState;  // splice_state: enum zq_splice_state, the region table edit under way
    public uint SpliceAt;     // splice_at: first entry replaced
    public uint SpliceRemoved; // splice_removed: entries replaced
    public uint SpliceAdded;  // splice_added: entries put in their place, at most 3
    public uint SpliceCount;  // splice_count: region_count before the edit
    public uint SectionsCaught; // sections_caught: captures that found a thread inside a runtime section
    public ulong SpliceMoved; // splice_moved: entries after the replaced ones moved so far
    public fixed ulong SpliceAdd[12]; // splice_add[12]: the entries put in, as 3 zq_region
    public ulong AltstackAddr; // altstack_addr: the runtime's struct zq_altstack table (for the guard)
    public uint AltstackCap;  // altstack_cap: its entries
    public uint Pad1;         // pad1
}
