namespace Zhuque.Launcher.Resume;

/// <summary>
/// What `zhuque resume` was asked to do. FailAfter: seconds after the
/// resume at which another power failure (SIGPWR) is simulated.
/// EndOnSignal, Cgroup: as for run (RunRequest).
/// </summary>
public sealed record ResumeRequest(string Image, double? FailAfter, bool Verbose, bool EndOnSignal = false, string? Cgroup = null);
