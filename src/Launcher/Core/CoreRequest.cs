namespace Zhuque.Launcher.Core;

/// <summary>What `zhuque core` was asked: the image, and the core file to write (null: core.PID here).</summary>
public sealed record CoreRequest(string Image, string? Output, bool Verbose);
