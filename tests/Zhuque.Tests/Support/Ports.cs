using System.Net;
using System.Net.Sockets;

namespace Zhuque.Tests.Support;

public static class Ports
{
    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago (the kernel's pick).</summary>
    public static int Free()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
