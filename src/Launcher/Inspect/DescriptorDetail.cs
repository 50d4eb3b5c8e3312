using System.Globalization;
using System.Text;
using Zhuque.Interpose.Image;

namespace Zhuque.Launcher.Inspect;

/// <summary>
/// What a saved descriptor is, in words, from its zq_fd entry and its data,
/// one case per kind as native/runtime/fd_KIND.c saves it: a file's path
/// and offset, a pipe's other end and unread bytes, an eventfd's counter, a
/// timer's clock and time left, a signalfd's signals, an epoll set's
/// registrations, a listening socket's address, backlog and options.
/// ContextReader has checked the data's shape, so nothing here throws.
/// </summary>
public static class DescriptorDetail
{
    const int Preview = 32; // unread pipe bytes shown

    static readonly CultureInfo C = CultureInfo.InvariantCulture;

    static readonly (ulong, string)[] EpollEvents =
    [
        (0x1, "EPOLLIN"), (0x2, "EPOLLPRI"), (0x4, "EPOLLOUT"), (0x8, "EPOLLERR"), (0x10, "EPOLLHUP"),
        (0x20, "EPOLLNVAL"), (0x40, "EPOLLRDNORM"), (0x80, "EPOLLRDBAND"), (0x100, "EPOLLWRNORM"),
        (0x200, "EPOLLWRBAND"), (0x400, "EPOLLMSG"), (0x2000, "EPOLLRDHUP"), (1UL << 28, "EPOLLEXCLUSIVE"),
        (1UL << 29, "EPOLLWAKEUP"), (1UL << 30, "EPOLLONESHOT"), (1UL << 31, "EPOLLET"),
    ];

    public static string Describe(SavedDescriptor d) => d.Kind switch
    {
        ZqFdKind.File => File(d),
        ZqFdKind.Pipe => Pipe(d),
        ZqFdKind.EventFd => string.Create(C, $"counter {d.Entry.Arg.Eventfd.Count}{(d.Entry.Arg.Eventfd.Semaphore != 0 ? ", semaphore" : "")}"),
        ZqFdKind.TimerFd => Timer(d),
        ZqFdKind.SignalFd => $"signals {SignalSet.Names(d.Entry.Arg.Signalfd.Mask)}",
        ZqFdKind.Epoll => Epoll(d),
        ZqFdKind.Listen => Listener(d),
        ZqFdKind.Socket => Socket(d),
        ZqFdKind.Dup => string.Create(C, $"shares the open file of fd {d.Entry.SameAs}"),
        ZqFdKind.Other => $"{DescriptorData.Path(d.Data)} (cannot be restored)",
        _ => string.Create(C, $"kind {d.Entry.Kind}"),
    };

    static string File(SavedDescriptor d) =>
        string.Create(C, $"{DescriptorData.Path(d.Data)}, offset {d.Entry.Pos}{(d.Entry.Deleted != 0 ? ", deleted while open (cannot be restored)" : "")}");

    /// <summary>A connection; a Unix one whose other end is saved too comes back as a pair.</summary>
    static string Socket(SavedDescriptor d)
    {
        var s = d.Entry.Arg.Socket;
        var kind = $"{SocketAddress.Domain(s.Domain)} {SocketAddress.Type(s.Type)} connection";
        var unread = d.Data.Length == 0 ? "" : string.Create(C, $", {d.Data.Length} bytes unread");
        return d.Entry.Peer >= 0
            ? string.Create(C, $"{kind} to fd {d.Entry.Peer}{unread}")
            : $"{kind}{unread} (resumes with its peer closed)";
    }

    static string Pipe(SavedDescriptor d)
    {
        var reader = OpenFlags.IsReadOnly(d.Entry.Flags);
        var other = d.Entry.Peer >= 0
            ? string.Create(C, $"{(reader ? "write" : "read")} end fd {d.Entry.Peer}")
            : $"{(reader ? "write" : "read")} end in another process";
        var text = $"{(reader ? "read" : "write")} end of a pipe, {other}";
        if (!reader)
            return text;
        return d.Data.Length == 0
            ? text + ", empty"
            : string.Create(C, $"{text}, {d.Data.Length} unread bytes \"{Escape(d.Data)}\"");
    }

    /// <summary>The first bytes, printable ASCII as is and the rest as C escapes.</summary>
    static string Escape(byte[] data)
    {
        var text = new StringBuilder();
        foreach (var b in data.Take(Preview))
        {
            text.Append(b switch
            {
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\r' => "\\r",
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => string.Create(C, $"\\x{b:x2}"),
            });
        }
        return data.Length > Preview ? text + "..." : text.ToString();
    }

    static string Timer(SavedDescriptor d)
    {
        var t = d.Entry.Arg.Timerfd;
        var clock = t.Clock switch
        {
            0 => "CLOCK_REALTIME",
            1 => "CLOCK_MONOTONIC",
            7 => "CLOCK_BOOTTIME",
            8 => "CLOCK_REALTIME_ALARM",
            9 => "CLOCK_BOOTTIME_ALARM",
            var other => string.Create(C, $"clock {other}"),
        };
        if (t.ValueNs == 0)
            return $"{clock}, disarmed";
        var text = $"{clock}, fires in {Seconds(t.ValueNs)} s";
        return t.IntervalNs == 0 ? text : $"{text}, then every {Seconds(t.IntervalNs)} s";
    }

    static string Seconds(ulong ns) => (ns / 1e9).ToString("0.###", C);

    static string Epoll(SavedDescriptor d)
    {
        var items = DescriptorData.EpollItems(d.Data);
        if (items.Length == 0)
            return "no registrations";
        var each = items.Select(i => string.Create(C, $"fd {i.Fd} {BitNames.Format(i.Events, EpollEvents)} data 0x{i.Data:x}"));
        return string.Create(C, $"{items.Length} registration{(items.Length == 1 ? "" : "s")}: {string.Join("; ", each)}");
    }

    static string Listener(SavedDescriptor d)
    {
        var data = DescriptorData.Listener(d.Data);
        var s = d.Entry.Arg.Listen;
        var text = $"{SocketAddress.Domain(s.Domain)} {SocketAddress.Type(s.Type)} {SocketAddress.Format(data.Address)}";
        if (SocketAddress.Listens(s.Type))
            text += string.Create(C, $", backlog {s.Backlog}");
        foreach (var o in data.Options)
            text += string.Create(C, $", {SocketAddress.Option(o.Level, o.Name)}={o.Value}");
        return text;
    }
}
