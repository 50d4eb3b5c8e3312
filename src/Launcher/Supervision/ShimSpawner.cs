using System.Runtime.InteropServices;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// Starts `zhuque-shim run DIRFD LOCKFD PROGRAM ARGV0 [ARG...]` or
/// `zhuque-shim resume DIRFD LOCKFD PROGRAM` with posix_spawn rather than
/// System.Diagnostics.Process: we need the two image fds inherited at known
/// numbers, the user's environment exactly as zhuque got it (libc's environ,
/// not .NET's copy) for a run and none at all for a resume (the program's
/// environment is in its memory), the saved working directory for a
/// resume, and the raw wait status, which Process hides. DIRFD and LOCKFD
/// are opened O_CLOEXEC and made inheritable in the shim alone (adddup2 onto
/// themselves): left inheritable in zhuque, any process started by another
/// thread would inherit the lock and hold the image after we are done. Every
/// fd .NET opens is O_CLOEXEC, so only the fds zhuque itself inherited plus
/// DIRFD and LOCKFD reach the program.
/// </summary>
public static class ShimSpawner
{
    public static string ShimPath => Path.Combine(AppContext.BaseDirectory, "zhuque-shim");

    /// <summary>
    /// The guard (native/guard), installed beside the shim; none when
    /// ZHUQUE_UNGUARDED=1, for benchmarks that measure the guard's price
    /// (docs/benchmarks.md): a death by signal is then lost, not saved.
    /// </summary>
    public static string? GuardPath => Environment.GetEnvironmentVariable("ZHUQUE_UNGUARDED") == "1"
        ? null : Path.Combine(AppContext.BaseDirectory, "zhuque-guard");

    /// <summary>
    /// The launch with the guard in front of the shim: `zhuque-guard
    /// [--end-on-signal] DIRFD SHIM ARGS...`. The guard traces the shim from
    /// its first instruction and, when a signal kills the program, saves it
    /// into the image; it exits with the program's status. Without
    /// endOnSignal an unhandled SIGTERM, SIGINT, SIGHUP or SIGQUIT is saved
    /// like a SIGKILL; with it, they end the program (image lost). With a
    /// cgroup the program alone joins it before its first instruction.
    /// </summary>
    public static ShimLaunch Guarded(ShimLaunch launch, string guard, int dirFd, bool endOnSignal, string? cgroup = null)
    {
        if (!File.Exists(launch.Shim))
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"the native shim is missing: {launch.Shim} (build it with make)");
        if (!File.Exists(guard))
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"the native guard is missing: {guard} (build it with make)");
        return launch with
        {
            Shim = guard,
            Argv = [guard, .. (endOnSignal ? (string[])["--end-on-signal"] : []), .. (cgroup is null ? (string[])[] : ["--cgroup", cgroup]),
                Number(dirFd), .. launch.Argv],
        };
    }

    /// <summary>A fresh start: the program with its arguments, in zhuque's directory and environment.</summary>
    public static ShimLaunch Run(string shim, int dirFd, int lockFd, string program, string argv0, IEnumerable<string> args, bool lazySpace = false) =>
        new(shim, [shim, "run", .. (lazySpace ? (string[])["--lazy-space"] : []), Number(dirFd), Number(lockFd), program, argv0, .. args],
            [dirFd, lockFd]);

    /// <summary>A resume: in the saved working directory, with an empty environment.</summary>
    public static ShimLaunch Resume(string shim, int dirFd, int lockFd, string program, string workingDirectory) =>
        new(shim, [shim, "resume", Number(dirFd), Number(lockFd), program], [dirFd, lockFd],
            workingDirectory, EmptyEnvironment: true);

    static string Number(int fd) => fd.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static unsafe int Spawn(ShimLaunch launch)
    {
        var shim = launch.Shim;
        var argv = launch.Argv;
        if (!File.Exists(shim))
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"the native shim is missing: {shim} (build it with make)");
        var attr = (nint)NativeMemory.AllocZeroed(Libc.SpawnAttrSize);
        var actions = (nint)NativeMemory.AllocZeroed(Libc.SpawnFileActionsSize);
        var signals = (nint)NativeMemory.AllocZeroed(Libc.SigSetSize);
        var strings = argv.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        var argvBlock = (nint*)NativeMemory.AllocZeroed((nuint)(strings.Length + 1), (nuint)sizeof(nint));
        nint emptyEnvironment = 0; // envp = { NULL }
        try
        {
            for (var i = 0; i < strings.Length; i++)
                argvBlock[i] = strings[i];
            Check(Libc.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            foreach (var fd in launch.Inherit)
                Check(Libc.PosixSpawnFileActionsAddDup2(actions, fd, fd), "posix_spawn_file_actions_adddup2");
            if (launch.WorkingDirectory is { } cwd)
                Check(Libc.PosixSpawnFileActionsAddChdir(actions, cwd), "posix_spawn_file_actions_addchdir_np");
            Check(Libc.PosixSpawnAttrInit(attr), "posix_spawnattr_init");
            // .NET ignores SIGPIPE and may block signals on this thread; an exec
            // keeps both, so give the program the defaults a shell would.
            Check(Libc.SigFillSet(signals) == 0 ? 0 : Libc.LastError, "sigfillset");
            Check(Libc.PosixSpawnAttrSetSigDefault(attr, signals), "posix_spawnattr_setsigdefault");
            Check(Libc.SigEmptySet(signals) == 0 ? 0 : Libc.LastError, "sigemptyset");
            Check(Libc.PosixSpawnAttrSetSigMask(attr, signals), "posix_spawnattr_setsigmask");
            Check(Libc.PosixSpawnAttrSetFlags(attr, Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK),
                "posix_spawnattr_setflags");
            var environment = launch.EmptyEnvironment ? (nint)(&emptyEnvironment) : Environ();
            var error = Libc.PosixSpawn(out var pid, shim, actions, attr, (nint)argvBlock, environment);
            if (error != 0)
            {
                var where = launch.WorkingDirectory is { } dir ? $" in {dir}" : "";
                throw new ZhuqueException(ReturnCode.UsageOrInternal, $"cannot start {shim}{where}: {Libc.Message(error)}");
            }
            return pid;
        }
        finally
        {
            Libc.PosixSpawnAttrDestroy(attr);
            Libc.PosixSpawnFileActionsDestroy(actions);
            foreach (var s in strings)
                Marshal.FreeCoTaskMem(s);
            NativeMemory.Free(argvBlock);
            NativeMemory.Free((void*)signals);
            NativeMemory.Free((void*)attr);
            NativeMemory.Free((void*)actions);
        }
    }

    /// <summary>libc's environ: the environment zhuque was started with, untouched by .NET.</summary>
    static unsafe nint Environ()
    {
        var libc = NativeLibrary.Load("libc.so.6");
        try
        {
            return *(nint*)NativeLibrary.GetExport(libc, "environ");
        }
        finally
        {
            NativeLibrary.Free(libc); // libc stays loaded: this only drops our reference
        }
    }

    static void Check(int error, string call)
    {
        if (error != 0)
            throw new InvalidOperationException($"{call}: {Libc.Message(error)}");
    }
}
