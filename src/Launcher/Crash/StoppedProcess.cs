using System.Globalization;

namespace Zhuque.Launcher.Crash;

/// <summary>
/// What /proc/PID/status says about a process that has not ended: whether
/// it is stopped (State: T, by SIGSTOP or a terminal; t under the guard,
/// which leaves a group-stop in PTRACE_LISTEN) and whether a SIGPWR
/// waits in its pending sets (SigPnd for its thread, ShdPnd for the
/// process). A stopped program takes no signal until SIGCONT; the SIGPWR
/// crash sent then saves it.
/// </summary>
public static class StoppedProcess
{
    const int SIGPWR = 30;

    /// <summary>(stopped, SIGPWR pending), or null when the process is gone.</summary>
    public static (bool Stopped, bool PowerPending)? Read(int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var stopped = lines.Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l[6..].TrimStart().ToUpperInvariant().StartsWith('T'));
        var pending = lines.Any(l => (l.StartsWith("SigPnd:", StringComparison.Ordinal) || l.StartsWith("ShdPnd:", StringComparison.Ordinal))
            && ulong.TryParse(l[7..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var set)
            && (set & (1UL << (SIGPWR - 1))) != 0);
        return (stopped, pending);
    }
}
