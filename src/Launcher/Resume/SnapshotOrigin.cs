using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Zhuque.Interpose.Image;
using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Resume;

/// <summary>
/// A snapshot resumed while the image it was taken of still runs finds its
/// listening addresses taken: the shim would wait for them (a dead
/// process's port frees within moments) and then end naming a descriptor.
/// Before anything starts, each Internet address the snapshot listens on is
/// bound once as the shim will bind it (SO_REUSEADDR); one that is held is
/// refused in one line (121), naming the address and the original image.
/// </summary>
public static class SnapshotOrigin
{
    const int AfInet = 2, AfInet6 = 10;
    const ulong SockStream = 1, SockDgram = 2;

    public static void Check(SavedImage saved)
    {
        if (saved.Manifest.SnapshotOf is not { } origin)
            return;
        foreach (var d in saved.Context.Descriptors.Where(d => d.Kind == ZqFdKind.Listen && d.Data.Length >= 8))
        {
            var length = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(d.Data), (uint)d.Data.Length - 8);
            var address = d.Data.AsSpan(8, length);
            if (Endpoint(address) is not { } endpoint || d.Entry.Arg.Listen.Type is not (SockStream or SockDgram))
                continue;
            using var socket = new Socket(endpoint.AddressFamily,
                d.Entry.Arg.Listen.Type == SockStream ? SocketType.Stream : SocketType.Dgram,
                d.Entry.Arg.Listen.Type == SockStream ? ProtocolType.Tcp : ProtocolType.Udp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            try
            {
                socket.Bind(endpoint);
                if (d.Entry.Arg.Listen.Type == SockStream)
                    socket.Listen(1);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new ZhuqueException(ReturnCode.ImageBusy,
                    $"this snapshot listens on {Zhuque.Launcher.Inspect.SocketAddress.Format(address)}, which another process holds (the image it is a snapshot of, {origin}, may still run); stop that first");
            }
        }
    }

    static IPEndPoint? Endpoint(ReadOnlySpan<byte> a)
    {
        if (a.Length < 2)
            return null;
        var family = BinaryPrimitives.ReadUInt16LittleEndian(a);
        if (family == AfInet && a.Length >= 8)
            return new IPEndPoint(new IPAddress(a.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(a[2..]));
        if (family == AfInet6 && a.Length >= 24)
            return new IPEndPoint(new IPAddress(a.Slice(8, 16)), BinaryPrimitives.ReadUInt16BigEndian(a[2..]));
        return null;
    }
}
