namespace Zhuque.Launcher.Resume;

/// <summary>
/// What `zhuque resume` was asked to do. FailAfter: seconds after the
/// resume at which another power failure (SIGPWR) is simulated.
/// </summary>
public sealed record ResumeRequest(string Image, double? FailAfter, bool Verbose);
