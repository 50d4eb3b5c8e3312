namespace Zhuque.Launcher.Snapshot;

/// <summary>What `zhuque snapshot` was asked: the running image, and the new image directory to fill.</summary>
public sealed record SnapshotRequest(string Image, string To, bool Verbose);
