namespace Zhuque.Interpose.Image;

/// <summary>What the launcher needs from a context file: its header and region table.</summary>
public sealed record Context(ZqHeader Header, IReadOnlyList<ZqRegion> Regions, long FileLength)
{
    public ZqState State => (ZqState)Header.State;

    public DateTimeOffset? Started => Header.StartedNs == 0
        ? null
        : DateTimeOffset.UnixEpoch.AddTicks((long)(Header.StartedNs / 100));
}
