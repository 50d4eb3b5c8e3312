using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Image;

// Mirror of native/include/zhuque/image.h, field by field and in the same
// order. LayoutMirrorTests compiles the C header and compares every offset,
// size, signedness and constant; change both files together.

public static class Layout
{
    [CName("ZQ_MAGIC")] public const ulong Magic = 0x314d494555514857UL; // "WHQUEIM1" little-endian
    [CName("ZQ_ABI_VERSION")] public const uint AbiVersion = 2;
    [CName("AT_ZHUQUE")] public const ulong AtZhuque = 0x5a51;

    [CName("ZQ_SHIM_BASE")] public const ulong ShimBase = 0x0000080000000000UL;
    [CName("ZQ_CONTEXT_ADDR")] public const ulong ContextAddr = 0x0000100000000000UL;
    [CName("ZQ_CONTEXT_SIZE")] public const ulong ContextSize = 0x0000000040000000UL;
    [CName("ZQ_STACK_TOP")] public const ulong StackTop = 0x0000100100000000UL;
    [CName("ZQ_STACK_MAX")] public const ulong StackMax = 0x00000000c0000000UL;
    [CName("ZQ_ARENA_BASE")] public const ulong ArenaBase = 0x0000200000000000UL;
    [CName("ZQ_ARENA_SIZE")] public const ulong ArenaSize = 0x0000080000000000UL;
    [CName("ZQ_BRK_MAX")] public const ulong BrkMax = 0x0000000040000000UL;

    [CName("ZQ_SIGSTOP_THREAD")] public const int SigstopThread = 35; // the runtime's private signal

    [CName("ZQ_FLAG_SYNC")] public const uint FlagSync = 1; // header flags: msync at failure

    [CName("ZQ_REGIONS_OFF")] public const ulong RegionsOff = 0x0000000000001000UL;
    [CName("ZQ_REGIONS_CAP")] public const uint RegionsCap = 1u << 20;
    [CName("ZQ_THREADS_OFF")] public const ulong ThreadsOff = 0x0000000002001000UL;
    [CName("ZQ_THREADS_CAP")] public const uint ThreadsCap = 1u << 16;
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

[CName("zq_thread_state")]
public enum ZqThreadState : uint
{
    [CName("ZQ_THREAD_FREE")] Free = 0,
    [CName("ZQ_THREAD_CAPTURED")] Captured = 1, // its frame is on its stack, complete
}

/// <summary>A thread captured at a failure.</summary>
[CName("zq_thread")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqThread
{
    public ulong Tp;    // tp: thread pointer (fs base)
    public ulong Frame; // frame: its ucontext_t, pushed by the kernel on its stack
    public int Tid;     // tid: kernel tid at failure
    public uint State;  // state: enum zq_thread_state
    public uint Signo;  // signo: the signal that stopped it
    public uint Pad;    // pad
}

[CName("zq_header")]
[StructLayout(LayoutKind.Sequential)]
public struct ZqHeader
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
}
