using System.Runtime.InteropServices;

namespace Zhuque.Launcher.Native;

// Plain P/Invoke to glibc (LibraryImport, so a later NativeAOT build needs no
// runtime marshalling). We call libc directly rather than Mono.Posix because
// the launcher needs exact control of which fds are inherited, raw wait
// statuses and flock, and these few calls are simpler than a wrapper.
// Constants are the x86_64 Linux values.
public static partial class Libc
{
    const string Lib = "libc";

    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;
    public const int O_TMPFILE = 0x410000; // __O_TMPFILE | O_DIRECTORY

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;

    public const int LOCK_SH = 1;
    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    public const int SEEK_DATA = 3;
    public const int SEEK_HOLE = 4;

    public const int X_OK = 1;

    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int ECHILD = 10;
    public const int EWOULDBLOCK = 11;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int ELOOP = 40;

    public const int EFBIG = 27;
    public const int ENOSPC = 28;
    public const int EDQUOT = 122;

    public const uint S_IFMT = 0xF000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFLNK = 0xA000;

    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>glibc's posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80 and sigset_t 128; we allocate more to be safe.</summary>
    public const int SpawnAttrSize = 1024;
    public const int SpawnFileActionsSize = 1024;
    public const int SigSetSize = 128;

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirfd, string path, int flags, uint mode);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public const uint SYNC_FILE_RANGE_WAIT_BEFORE = 1;
    public const uint SYNC_FILE_RANGE_WRITE = 2;

    [LibraryImport(Lib, EntryPoint = "sync_file_range", SetLastError = true)]
    public static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport(Lib, EntryPoint = "fstatfs", SetLastError = true)]
    public static unsafe partial int FStatFs(int fd, byte* buffer);

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static unsafe partial long Syscall4(long number, long a, void* b, void* c, long d);

    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    public static partial long Syscall3(long number, long a, long b, long c);

    /// <summary>pidfd_getfd(2): a copy of another process's descriptor (ptrace access needed).</summary>
    public const long SYS_pidfd_getfd = 438;

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(int fd, ulong request, void* argument);

    [LibraryImport(Lib, EntryPoint = "fallocate", SetLastError = true)]
    public static partial int FAllocate(int fd, int mode, long offset, long length);

    public const int FALLOC_FL_KEEP_SIZE = 1;
    public const int FALLOC_FL_PUNCH_HOLE = 2;

    /// <summary>cachestat(2) (Linux 6.5): a file's pages in the page cache, dirty, under writeback.</summary>
    public const long SYS_cachestat = 451;

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    [LibraryImport(Lib, EntryPoint = "fstat", SetLastError = true)]
    public static partial int FStat(int fd, out Stat buf);

    [LibraryImport(Lib, EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatPath(string path, out Stat buf);

    [LibraryImport(Lib, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int LStat(string path, out Stat buf);

    [LibraryImport(Lib, EntryPoint = "mkdir", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkDir(string path, uint mode);

    [LibraryImport(Lib, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkDirAt(int dirfd, string path, uint mode);

    [LibraryImport(Lib, EntryPoint = "fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FStatAt(int dirfd, string path, out Stat buf, int flags);

    [LibraryImport(Lib, EntryPoint = "readlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static unsafe partial nint ReadLinkAt(int dirfd, string path, byte* buffer, nuint size);

    [LibraryImport(Lib, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    [LibraryImport(Lib, EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    [LibraryImport(Lib, EntryPoint = "usleep", SetLastError = true)]
    public static partial int USleep(uint microseconds);

    [LibraryImport(Lib, EntryPoint = "lseek", SetLastError = true)]
    public static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport(Lib, EntryPoint = "renameat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt(int olddirfd, string oldpath, int newdirfd, string newpath);

    [LibraryImport(Lib, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnlinkAt(int dirfd, string path, int flags);

    // Returns a malloc'd string (resolved == 0), to be released with Free.
    [LibraryImport(Lib, EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint RealPath(string path, nint resolved);

    [LibraryImport(Lib, EntryPoint = "free")]
    public static partial void Free(nint pointer);

    [LibraryImport(Lib, EntryPoint = "geteuid")]
    public static partial uint GetEUid();

    [LibraryImport(Lib, EntryPoint = "getpgrp")]
    public static partial int GetPGrp();

    [LibraryImport(Lib, EntryPoint = "tcgetpgrp", SetLastError = true)]
    public static partial int TcGetPGrp(int fd);

    [LibraryImport(Lib, EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int sig);

    // A pidfd names one process for good: a signal sent through it can never
    // reach another process that got the same pid later (glibc 2.36).
    [LibraryImport(Lib, EntryPoint = "pidfd_open", SetLastError = true)]
    public static partial int PidFdOpen(int pid, uint flags);

    [LibraryImport(Lib, EntryPoint = "pidfd_send_signal", SetLastError = true)]
    public static partial int PidFdSendSignal(int pidfd, int sig, nint info, uint flags);

    [LibraryImport(Lib, EntryPoint = "getuid")]
    public static partial uint GetUid();

    public const short POLLIN = 0x1;

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;         // fd
        public short Events;   // events
        public short REvents;  // revents
    }

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(ref PollFd fds, nuint count, int timeoutMs);

    public const int P_PID = 1;
    public const int WEXITED = 4;
    public const int WNOWAIT = 0x01000000;
    public const int SigInfoSize = 128;

    [LibraryImport(Lib, EntryPoint = "waitid", SetLastError = true)]
    public static partial int WaitId(int idtype, int id, nint infop, int options);

    [LibraryImport(Lib, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    // posix_spawn returns the error number instead of setting errno.
    [LibraryImport(Lib, EntryPoint = "posix_spawn", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PosixSpawn(out int pid, string path, nint fileActions, nint attr, nint argv, nint envp);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_init")]
    public static partial int PosixSpawnAttrInit(nint attr);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_destroy")]
    public static partial int PosixSpawnAttrDestroy(nint attr);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setflags")]
    public static partial int PosixSpawnAttrSetFlags(nint attr, short flags);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setsigdefault")]
    public static partial int PosixSpawnAttrSetSigDefault(nint attr, nint sigset);

    [LibraryImport(Lib, EntryPoint = "posix_spawnattr_setsigmask")]
    public static partial int PosixSpawnAttrSetSigMask(nint attr, nint sigset);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_init")]
    public static partial int PosixSpawnFileActionsInit(nint actions);

    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_destroy")]
    public static partial int PosixSpawnFileActionsDestroy(nint actions);

    // With fd == newfd, glibc (2.29 and later) clears FD_CLOEXEC in the child only.
    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_adddup2")]
    public static partial int PosixSpawnFileActionsAddDup2(nint actions, int fd, int newfd);

    // glibc 2.29 and later; the child fails (and posix_spawn returns the error) if the chdir does.
    [LibraryImport(Lib, EntryPoint = "posix_spawn_file_actions_addchdir_np", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PosixSpawnFileActionsAddChdir(nint actions, string path);

    [LibraryImport(Lib, EntryPoint = "sigemptyset")]
    public static partial int SigEmptySet(nint set);

    [LibraryImport(Lib, EntryPoint = "sigfillset")]
    public static partial int SigFillSet(nint set);

    public static bool IsDirectory(uint mode) => (mode & S_IFMT) == S_IFDIR;
    public static bool IsRegular(uint mode) => (mode & S_IFMT) == S_IFREG;
    public static bool IsSymlink(uint mode) => (mode & S_IFMT) == S_IFLNK;

    /// <summary>strerror text of an errno, e.g. "No such file or directory".</summary>
    public static string Message(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    public static int LastError => Marshal.GetLastPInvokeError();
}
