namespace Zhuque.Interpose.Image;

/// <summary>
/// One descriptor saved at a failure: its zq_fd entry and the Data bytes
/// it names in the save area (a path, an address and options, epoll
/// registrations, unread pipe bytes; empty for kinds that keep none).
/// ContextReader has checked both (DescriptorTable).
/// </summary>
public sealed record SavedDescriptor(ZqFd Entry, byte[] Data)
{
    public int Fd => Entry.Fd;

    public ZqFdKind Kind => (ZqFdKind)Entry.Kind;
}
