using System.Runtime.InteropServices;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>
/// Waits for our one child. .NET's own SIGCHLD handling reaps only the
/// children System.Diagnostics.Process started, so this status is ours.
/// Waiting is split in two so that signal forwarding can stop while the
/// ended child is still a zombie, whose pid cannot have been reused.
/// </summary>
public static class ChildWaiter
{
    /// <summary>Blocks until the child has ended, without reaping it (waitid WNOWAIT).</summary>
    public static unsafe void WaitUntilEnded(int pid)
    {
        var info = stackalloc byte[Libc.SigInfoSize];
        while (Libc.WaitId(Libc.P_PID, pid, (nint)info, Libc.WEXITED | Libc.WNOWAIT) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
                throw new InvalidOperationException($"waitid {pid}: {Libc.Message(errno)}");
        }
    }

    /// <summary>Reaps the child and returns its raw status.</summary>
    public static WaitStatus Reap(int pid)
    {
        while (true)
        {
            if (Libc.WaitPid(pid, out var status, 0) == pid)
                return new WaitStatus(status);
            var errno = Libc.LastError;
            if (errno != Libc.EINTR)
                throw new InvalidOperationException($"waitpid {pid}: {Libc.Message(errno)}");
        }
    }
}
