namespace Zhuque.Interpose.Image;

/// <summary>
/// What the launcher needs from a context file: its header, region table,
/// thread table, and the working directory saved at the last failure (null
/// if none was).
/// </summary>
public sealed record Context(ZqHeader Header, IReadOnlyList<ZqRegion> Regions, IReadOnlyList<ZqThread> Threads, string? SavedCwd, long FileLength)
{
    public ZqState State => (ZqState)Header.State;

    public DateTimeOffset? Started => Time(Header.StartedNs);

    /// <summary>When the last failure was saved (CLOCK_REALTIME), if one was.</summary>
    public DateTimeOffset? LastSaved => Time(Header.SavedNs);

    static DateTimeOffset? Time(ulong ns) => ns == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks((long)(ns / 100));
}
