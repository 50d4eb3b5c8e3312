using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Inspect;

/// <summary>
/// What `inspect` shows, in text or as JSON. State is "none" when the image
/// has no context yet; Pid is set only while a process holds the image lock.
/// </summary>
public sealed record InspectReport(
    string Image,
    string? Program,
    string? ProgramSha256,
    string State,
    bool InUse,
    int? Pid,
    DateTime? Started,
    int? ExitStatus,
    IReadOnlyList<RegionReport> Regions,
    IReadOnlyList<HistoryEntry> History);

/// <summary>One row of the region table; addresses in hex, sizes in bytes.</summary>
public sealed record RegionReport(
    string Start,
    string End,
    string Protection,
    string File,
    ulong Size,
    long BytesOnDisk);
