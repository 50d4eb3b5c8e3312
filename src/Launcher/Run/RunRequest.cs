namespace Zhuque.Launcher.Run;

/// <summary>
/// What `zhuque run` was asked to do, free of command-line parsing.
/// FailAfter: seconds after the start at which a power failure (SIGPWR) is simulated.
/// </summary>
public sealed record RunRequest(string? Image, bool Fresh, bool Verbose, IReadOnlyList<string> Command, double? FailAfter = null);
