namespace Zhuque.Launcher.Run;

/// <summary>
/// What `zhuque run` was asked to do, free of command-line parsing.
/// FailAfter: seconds after the start at which a power failure (SIGPWR) is simulated.
/// LazySpace: memory takes its file space at its first store instead of at
/// mmap (faster; a full disk is then a SIGBUS in the program, not an ENOMEM).
/// EndOnSignal: an unhandled SIGTERM, SIGINT, SIGHUP or SIGQUIT ends the
/// program (image lost) instead of being saved like a SIGKILL.
/// Cgroup: a cgroup directory the program alone joins (the guard stays out).
/// DirtyLimitMiB: image pages left dirty on a disk filesystem before their
/// writeback is started (DirtyWriter); 0 turns the writer off.
/// </summary>
public sealed record RunRequest(string? Image, bool Fresh, bool Verbose, IReadOnlyList<string> Command, double? FailAfter = null,
    bool LazySpace = false, bool EndOnSignal = false, string? Cgroup = null, int DirtyLimitMiB = Supervision.DirtyWriter.DefaultLimitMiB);
