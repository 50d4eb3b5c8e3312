namespace Zhuque.Interpose.Image;

/// <summary>
/// What the launcher needs from a context file: its header, region table,
/// thread table, and the working directory saved at the last failure (null
/// if none was). Descriptors: those saved at the failure, for a saved image
/// only (empty otherwise). ChecksumMatches: the header's checksum is the one its
/// contents call for (ContextChecksum); computed for a saved image only
/// (false for any other state, whose sum is not kept up to date).
/// </summary>
public sealed record Context(ZqHeader Header, IReadOnlyList<ZqRegion> Regions, IReadOnlyList<ZqThread> Threads, string? SavedCwd, long FileLength)
{
    public ZqState State => (ZqState)Header.State;

    public bool ChecksumMatches { get; init; }

    public IReadOnlyList<SavedDescriptor> Descriptors { get; init; } = [];

    /// <summary>The files the program mapped read-only; a region names entry i as ZqFile.Mapped + i.</summary>
    public IReadOnlyList<MappedFile> MappedFiles { get; init; } = [];

    public DateTimeOffset? Started => Time(Header.StartedNs);

    /// <summary>When the last failure was saved (CLOCK_REALTIME), if one was.</summary>
    public DateTimeOffset? LastSaved => Time(Header.SavedNs);

    static DateTimeOffset? Time(ulong ns) => ns == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks((long)(ns / 100));
}
