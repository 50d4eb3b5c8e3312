namespace Zhuque.Launcher.Inspect;

/// <summary>What `zhuque inspect` was asked to do.</summary>
public sealed record InspectRequest(string Image, bool Json, bool Verbose);
