using System.Diagnostics;
using System.Globalization;

namespace Zhuque.Tests.Support;

/// <summary>
/// Sends a signal to the program a zhuque process runs, by the program's
/// own pid (the launcher's great-grandchild, under the guard and its init), a given time
/// after the launcher started: what an operator's `kill -9 PID`, a service
/// manager or the OOM killer does. Dispose waits for the sender.
/// </summary>
public sealed class ProgramKiller : IDisposable
{
    readonly Thread _thread;
    volatile bool _cancelled;

    public ProgramKiller(int launcher, double seconds, int signal)
    {
        var clock = Stopwatch.StartNew();
        // Pids come round fast in the suite: the program is signalled
        // through a pidfd, and only if the launcher whose tree led to it
        // is still the one started (its pid not yet taken by another).
        var self = PidFd.Open(launcher);
        _thread = new Thread(() =>
        {
            using var held = self;
            while (!_cancelled && clock.Elapsed.TotalSeconds < seconds)
                Thread.Sleep(1);
            using var program = _cancelled || held is null ? null : PidFd.Open(Grandchild(launcher));
            if (program is not null && held!.Signal(0))
                program.Signal(signal);
        });
        _thread.Start();
    }

    /// <summary>
    /// The program: the launcher's child is the guard, whose child is the
    /// init of the program's pid namespace (the guard proper), whose child
    /// is the program; 0 when gone.
    /// </summary>
    public static int Grandchild(int launcher)
    {
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < 10_000)
        {
            var pid = launcher;
            for (var level = 0; level < 3 && pid > 0; level++)
                pid = FirstChild(pid);
            if (pid < 0)
                return 0;
            if (pid > 0)
                return pid;
            Thread.Sleep(1);
        }
        return 0;
    }

    /// <summary>The first child of pid, 0 if none yet, -1 when pid is gone.</summary>
    static int FirstChild(int pid)
    {
        try
        {
            foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                var children = File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (children.Length > 0)
                    return int.Parse(children[0], CultureInfo.InvariantCulture);
            }
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    public void Dispose()
    {
        _cancelled = true;
        _thread.Join();
    }
}
