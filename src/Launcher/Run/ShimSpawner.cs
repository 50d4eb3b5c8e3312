using System.Runtime.InteropServices;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Run;

/// <summary>
/// Starts `zhuque-shim run DIRFD LOCKFD PROGRAM ARGV0 [ARG...]` with
/// posix_spawn rather than System.Diagnostics.Process: we need the two image
/// fds inherited at known numbers, the user's environment exactly as zhuque
/// got it (libc's environ, not .NET's copy), and the raw wait status, which
/// Process hides. DIRFD and LOCKFD are opened O_CLOEXEC and made inheritable
/// in the shim alone (adddup2 onto themselves): left inheritable in zhuque,
/// any process started by another thread would inherit the lock and hold the
/// image after we are done. Every fd .NET opens is O_CLOEXEC, so only the
/// fds zhuque itself inherited plus DIRFD and LOCKFD reach the program.
/// </summary>
public static class ShimSpawner
{
    public static string ShimPath => Path.Combine(AppContext.BaseDirectory, "zhuque-shim");

    public static IReadOnlyList<string> Arguments(string shim, int dirFd, int lockFd, ResolvedProgram program, IEnumerable<string> args) =>
        [shim, "run", dirFd.ToString(System.Globalization.CultureInfo.InvariantCulture),
            lockFd.ToString(System.Globalization.CultureInfo.InvariantCulture), program.Path, program.AsTyped, .. args];

    /// <param name="shim">the shim executable</param>
    /// <param name="argv">its whole argv, argv[0] included</param>
    /// <param name="inherit">fds the shim must get although they are close-on-exec here</param>
    public static unsafe int Spawn(string shim, IReadOnlyList<string> argv, params int[] inherit)
    {
        if (!File.Exists(shim))
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"the native shim is missing: {shim} (build it with make)");
        var attr = (nint)NativeMemory.AllocZeroed(Libc.SpawnAttrSize);
        var actions = (nint)NativeMemory.AllocZeroed(Libc.SpawnFileActionsSize);
        var signals = (nint)NativeMemory.AllocZeroed(Libc.SigSetSize);
        var strings = argv.Select(a => Marshal.StringToCoTaskMemUTF8(a)).ToArray();
        var argvBlock = (nint*)NativeMemory.AllocZeroed((nuint)(strings.Length + 1), (nuint)sizeof(nint));
        try
        {
            for (var i = 0; i < strings.Length; i++)
                argvBlock[i] = strings[i];
            Check(Libc.PosixSpawnFileActionsInit(actions), "posix_spawn_file_actions_init");
            foreach (var fd in inherit)
                Check(Libc.PosixSpawnFileActionsAddDup2(actions, fd, fd), "posix_spawn_file_actions_adddup2");
            Check(Libc.PosixSpawnAttrInit(attr), "posix_spawnattr_init");
            // .NET ignores SIGPIPE and may block signals on this thread; an exec
            // keeps both, so give the program the defaults a shell would.
            Check(Libc.SigFillSet(signals) == 0 ? 0 : Libc.LastError, "sigfillset");
            Check(Libc.PosixSpawnAttrSetSigDefault(attr, signals), "posix_spawnattr_setsigdefault");
            Check(Libc.SigEmptySet(signals) == 0 ? 0 : Libc.LastError, "sigemptyset");
            Check(Libc.PosixSpawnAttrSetSigMask(attr, signals), "posix_spawnattr_setsigmask");
            Check(Libc.PosixSpawnAttrSetFlags(attr, Libc.POSIX_SPAWN_SETSIGDEF | Libc.POSIX_SPAWN_SETSIGMASK),
                "posix_spawnattr_setflags");
            var error = Libc.PosixSpawn(out var pid, shim, actions, attr, (nint)argvBlock, Environ());
            if (error != 0)
                throw new ZhuqueException(ReturnCode.UsageOrInternal, $"cannot start {shim}: {Libc.Message(error)}");
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
