using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace Zhuque.Launcher.Inspect;

/// <summary>Socket domains, types and a saved sockaddr (as getsockname gave it) in words: "127.0.0.1:8080", "[::1]:53", "/run/x.sock", "@abstract".</summary>
public static class SocketAddress
{
    const int AfUnix = 1;
    const int AfInet = 2;
    const int AfInet6 = 10;

    public static string Domain(ulong domain) => domain switch
    {
        AfUnix => "AF_UNIX",
        AfInet => "AF_INET",
        AfInet6 => "AF_INET6",
        16 => "AF_NETLINK",
        17 => "AF_PACKET",
        _ => string.Create(CultureInfo.InvariantCulture, $"domain {domain}"),
    };

    public static string Type(ulong type) => type switch
    {
        1 => "SOCK_STREAM",
        2 => "SOCK_DGRAM",
        3 => "SOCK_RAW",
        5 => "SOCK_SEQPACKET",
        _ => string.Create(CultureInfo.InvariantCulture, $"type {type}"),
    };

    /// <summary>True for the types that listen (and so have a backlog).</summary>
    public static bool Listens(ulong type) => type is 1 or 5;

    public static string Format(ReadOnlySpan<byte> address)
    {
        if (address.Length < 2)
            return "(no address)";
        var family = BinaryPrimitives.ReadUInt16LittleEndian(address);
        var c = CultureInfo.InvariantCulture;
        return family switch
        {
            AfInet when address.Length >= 8 =>
                string.Create(c, $"{new IPAddress(address.Slice(4, 4))}:{BinaryPrimitives.ReadUInt16BigEndian(address[2..])}"),
            AfInet6 when address.Length >= 24 =>
                string.Create(c, $"[{new IPAddress(address.Slice(8, 16))}]:{BinaryPrimitives.ReadUInt16BigEndian(address[2..])}"),
            AfUnix => Unix(address[2..]),
            _ => $"{Domain(family)} address {Convert.ToHexStringLower(address[2..])}",
        };
    }

    /// <summary>sun_path: empty for an unnamed socket, a leading NUL for the abstract namespace (shown as @).</summary>
    static string Unix(ReadOnlySpan<byte> path)
    {
        if (path.IsEmpty)
            return "(unnamed)";
        if (path[0] == 0)
            return "@" + Encoding.UTF8.GetString(path[1..]);
        var end = path.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? path : path[..end]);
    }

    /// <summary>A saved socket option by its level and name, as native/runtime/fd_socket.c keeps them.</summary>
    public static string Option(int level, int name) => (level, name) switch
    {
        (1, 2) => "SO_REUSEADDR",
        (1, 7) => "SO_SNDBUF",
        (1, 8) => "SO_RCVBUF",
        (1, 9) => "SO_KEEPALIVE",
        (1, 15) => "SO_REUSEPORT",
        (6, 1) => "TCP_NODELAY",
        (6, 9) => "TCP_DEFER_ACCEPT",
        (41, 26) => "IPV6_V6ONLY",
        _ => string.Create(CultureInfo.InvariantCulture, $"option {level}/{name}"),
    };
}
