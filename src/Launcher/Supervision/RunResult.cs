using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Supervision;

/// <summary>The status `run` returns and the manifest that records how the program ended.</summary>
public sealed record RunResult(int ExitStatus, Manifest Manifest);
