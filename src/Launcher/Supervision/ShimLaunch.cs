namespace Zhuque.Launcher.Supervision;

/// <summary>
/// How to start the shim: its argv (argv[0] included), the fds it must get
/// although they are close-on-exec here, the directory to start it in (null:
/// zhuque's), and whether it gets an empty environment instead of zhuque's.
/// </summary>
public sealed record ShimLaunch(
    string Shim,
    IReadOnlyList<string> Argv,
    IReadOnlyList<int> Inherit,
    string? WorkingDirectory = null,
    bool EmptyEnvironment = false);
