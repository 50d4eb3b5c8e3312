using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Zhuque.Interpose.Image;

/// <summary>A listening socket's saved data: its address (a sockaddr as getsockname gave it) and the options to set again.</summary>
public sealed record ListenerData(byte[] Address, IReadOnlyList<ZqSockopt> Options);

/// <summary>
/// The per-kind layouts of a descriptor's data, as native/runtime/fd_KIND.c
/// writes them and native/shim/fd_KIND.c reads them back. The reader uses
/// these to refuse data the shim would misread; inspect uses them to show it.
/// </summary>
public static class DescriptorData
{
    /// <summary>sizeof(struct sockaddr_storage): the runtime's getsockname buffer is 128 bytes.</summary>
    public const int MaxAddressLength = 128;

    /// <summary>PATH_MAX less its NUL: the runtime's readlink buffer is 4096 bytes.</summary>
    public const int MaxPathLength = 4095;

    /// <summary>What a FILE or OTHER descriptor names: the path (OTHER: the link text, NUL-terminated).</summary>
    public static string Path(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? data : data[..end]);
    }

    /// <summary>EPOLL: one zq_epoll_item per registration.</summary>
    /// <exception cref="ContextCorruptException">the data is not a whole number of items</exception>
    public static ZqEpollItem[] EpollItems(ReadOnlySpan<byte> data)
    {
        if (data.Length % Unsafe.SizeOf<ZqEpollItem>() != 0)
            throw new ContextCorruptException($"{data.Length} bytes are not a whole number of epoll registrations");
        return MemoryMarshal.Cast<byte, ZqEpollItem>(data).ToArray();
    }

    /// <summary>LISTEN: a zq_listen_head, the address padded to 8 bytes, then zq_sockopt entries.</summary>
    /// <exception cref="ContextCorruptException">the data does not have that shape</exception>
    public static ListenerData Listener(ReadOnlySpan<byte> data)
    {
        var headSize = Unsafe.SizeOf<ZqListenHead>();
        if (data.Length < headSize)
            throw new ContextCorruptException($"a listening socket's data is {data.Length} bytes, too short for its address");
        var length = MemoryMarshal.Read<ZqListenHead>(data).AddrLen;
        if (length > MaxAddressLength)
            throw new ContextCorruptException($"a listening socket's address is {length} bytes");
        var padded = OptionsOffset(length);
        var optionSize = Unsafe.SizeOf<ZqSockopt>();
        if (padded > data.Length || (data.Length - padded) % optionSize != 0)
            throw new ContextCorruptException($"a listening socket's data ({data.Length} bytes) does not hold its {length}-byte address and whole options");
        var options = MemoryMarshal.Cast<byte, ZqSockopt>(data[padded..]).ToArray();
        return new ListenerData(data.Slice(headSize, (int)length).ToArray(), options);
    }

    /// <summary>zq_listen_opts: where a listener's options begin, after its head and its padded address.</summary>
    public static int OptionsOffset(uint addressLength) => Unsafe.SizeOf<ZqListenHead>() + (int)((addressLength + 7) & ~7u);
}
