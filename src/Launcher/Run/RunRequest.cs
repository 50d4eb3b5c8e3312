namespace Zhuque.Launcher.Run;

/// <summary>What `zhuque run` was asked to do, free of command-line parsing.</summary>
public sealed record RunRequest(string? Image, bool Fresh, bool Verbose, IReadOnlyList<string> Command);
