using System.Runtime.InteropServices;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Inspect;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>What inspect says of each kind of saved descriptor, and of flag words.</summary>
public sealed class DescriptorDetailTests
{
    static string Describe(ZqFd entry, byte[]? data = null) => DescriptorDetail.Describe(new SavedDescriptor(entry, data ?? []));

    static byte[] Listener(byte[] address, params ZqSockopt[] options)
    {
        var head = new ZqListenHead { AddrLen = (uint)address.Length };
        var at = DescriptorData.OptionsOffset(head.AddrLen);
        var data = new byte[at + (options.Length * Marshal.SizeOf<ZqSockopt>())];
        MemoryMarshal.Write(data, in head);
        address.CopyTo(data, Marshal.SizeOf<ZqListenHead>());
        MemoryMarshal.AsBytes(options.AsSpan()).CopyTo(data.AsSpan(at));
        return data;
    }

    [Fact]
    public void FilesSayPathOffsetAndWhetherDeleted()
    {
        Assert.Equal("/var/log/x, offset 42", Describe(ContextBuilder.Fd(3, ZqFdKind.File) with { Pos = 42 }, "/var/log/x"u8.ToArray()));
        Assert.Equal("/tmp/gone, offset 0, deleted while open (cannot be restored)",
            Describe(ContextBuilder.Fd(3, ZqFdKind.File) with { Deleted = 1 }, "/tmp/gone"u8.ToArray()));
    }

    [Fact]
    public void PipesSayTheirOtherEndAndUnreadBytesEscaped()
    {
        Assert.Equal("read end of a pipe, write end fd 5, 4 unread bytes \"a\\nb\\x01\"",
            Describe(ContextBuilder.Fd(4, ZqFdKind.Pipe, flags: 0, peer: 5), [(byte)'a', 10, (byte)'b', 1]));
        Assert.Equal("read end of a pipe, write end in another process, empty", Describe(ContextBuilder.Fd(4, ZqFdKind.Pipe, flags: 0)));
        Assert.Equal("write end of a pipe, read end fd 4", Describe(ContextBuilder.Fd(5, ZqFdKind.Pipe, flags: 1, peer: 4)));
        Assert.EndsWith("40 unread bytes \"" + new string('x', 32) + "...\"", Describe(ContextBuilder.Fd(4, ZqFdKind.Pipe, flags: 0), [.. Enumerable.Repeat((byte)'x', 40)]));
    }

    [Fact]
    public void EventTimerAndSignalDescriptorsSayTheirState()
    {
        Assert.Equal("counter 3, semaphore", Describe(ContextBuilder.Fd(7, ZqFdKind.EventFd, args: [3, 1])));
        Assert.Equal("CLOCK_MONOTONIC, fires in 1.5 s, then every 0.25 s", Describe(ContextBuilder.Fd(7, ZqFdKind.TimerFd, args: [1, 1_500_000_000, 250_000_000])));
        Assert.Equal("CLOCK_REALTIME, disarmed", Describe(ContextBuilder.Fd(7, ZqFdKind.TimerFd, args: [0, 0, 0])));
        Assert.Equal("signals SIGUSR1,SIGTERM", Describe(ContextBuilder.Fd(7, ZqFdKind.SignalFd, args: [(1UL << 9) | (1UL << 14)])));
    }

    [Fact]
    public void EpollSaysEachRegistration()
    {
        ZqEpollItem[] items = [new() { Fd = 6, Events = 0x80000001, Data = 0x6666 }, new() { Fd = 9, Events = 4 | 0x2000, Data = 1 }];
        Assert.Equal("2 registrations: fd 6 EPOLLIN|EPOLLET data 0x6666; fd 9 EPOLLOUT|EPOLLRDHUP data 0x1",
            Describe(ContextBuilder.Fd(8, ZqFdKind.Epoll), MemoryMarshal.AsBytes(items.AsSpan()).ToArray()));
        Assert.Equal("no registrations", Describe(ContextBuilder.Fd(8, ZqFdKind.Epoll)));
    }

    [Fact]
    public void SocketsSayDomainTypeAddressBacklogAndOptions()
    {
        byte[] inet = [2, 0, 0x1f, 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal("AF_INET SOCK_STREAM 127.0.0.1:8080, backlog 7, SO_REUSEADDR=1, TCP_NODELAY=1",
            Describe(ContextBuilder.Fd(6, ZqFdKind.Listen, args: [2, 1, 6, 7]),
                Listener(inet, new ZqSockopt { Level = 1, Name = 2, Value = 1 }, new ZqSockopt { Level = 6, Name = 1, Value = 1 })));
        var inet6 = new byte[28];
        inet6[0] = 10;
        inet6[3] = 53;
        inet6[23] = 1;
        Assert.Equal("AF_INET6 SOCK_DGRAM [::1]:53", Describe(ContextBuilder.Fd(6, ZqFdKind.Listen, args: [10, 2, 17, 128]), Listener(inet6)));
        Assert.Equal("AF_UNIX SOCK_STREAM /run/x.sock, backlog 128",
            Describe(ContextBuilder.Fd(6, ZqFdKind.Listen, args: [1, 1, 0, 128]), Listener([1, 0, .. "/run/x.sock\0"u8])));
        Assert.Equal("AF_UNIX SOCK_SEQPACKET @hidden, backlog 4",
            Describe(ContextBuilder.Fd(6, ZqFdKind.Listen, args: [1, 5, 0, 4]), Listener([1, 0, 0, .. "hidden"u8])));
        Assert.Equal("AF_INET SOCK_STREAM connection (resumes with its peer closed)", Describe(ContextBuilder.Fd(6, ZqFdKind.Socket, args: [2, 1, 6, 0])));
        Assert.Equal("AF_UNIX SOCK_DGRAM connection to fd 7", Describe(ContextBuilder.Fd(6, ZqFdKind.Socket, peer: 7, args: [1, 2, 0, 99])));
    }

    [Fact]
    public void DupsAndOthersSayWhatTheyAre()
    {
        Assert.Equal("shares the open file of fd 3", Describe(ContextBuilder.Fd(9, ZqFdKind.Dup, sameAs: 3)));
        Assert.Equal("anon_inode:[io_uring] (cannot be restored)", Describe(ContextBuilder.Fd(9, ZqFdKind.Other), "anon_inode:[io_uring]\0"u8.ToArray()));
    }

    [Fact]
    public void FlagWordsAreNamedAsStraceDoes()
    {
        Assert.Equal("O_RDONLY", OpenFlags.Format(0));
        Assert.Equal("O_RDWR|O_APPEND|O_NONBLOCK|O_LARGEFILE", OpenFlags.Format(2 | 0x400 | 0x800 | 0x8000));
        Assert.Equal("O_WRONLY|O_SYNC", OpenFlags.Format(1 | 0x101000));
        Assert.Equal("O_WRONLY|O_DSYNC", OpenFlags.Format(1 | 0x1000));
        Assert.Equal("EPOLLIN|0x100000", BitNames.Format(0x100001, [(1, "EPOLLIN")]));
        Assert.Equal("0", BitNames.Format(0, [(1, "EPOLLIN")]));
        Assert.Equal("none", SignalSet.Names(0));
        Assert.Equal("all", SignalSet.Names(ulong.MaxValue));
        Assert.Equal("SIGINT,ZQSTOP,SIGRTMIN,SIGRTMIN+28", SignalSet.Names((1UL << 1) | (1UL << 34) | (1UL << 35) | (1UL << 63)));
    }
}
