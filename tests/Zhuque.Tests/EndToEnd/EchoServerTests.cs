using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.EndToEnd;

/// <summary>
/// tests/c/echo_server.c (epoll, a listening socket, per-connection state
/// in the heap) keeps serving across 20 power failures while a client
/// reconnects after each disconnect; no reply is ever wrong, and the
/// server's count of lines served, kept in its heap, never goes back.
/// </summary>
public sealed class EchoServerTests(CPrograms programs) : IClassFixture<CPrograms>, IDisposable
{
    readonly TempDir _tmp = new("/dev/shm");


    Process Start(params string[] args) => ZhuqueCli.StartDrained(_tmp["state"], args);

    sealed class Client(int port)
    {
        public long Acknowledged;
        public int Connections;
        public readonly List<string> Wrong = [];

        public void Talk(CancellationToken stop)
        {
            var sent = 0L;
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var tcp = new TcpClient();
                    tcp.Connect(IPAddress.Loopback, port);
                    Connections++;
                    using var reader = new StreamReader(tcp.GetStream(), Encoding.ASCII);
                    var stream = tcp.GetStream();
                    for (var k = 1; !stop.IsCancellationRequested; k++)
                    {
                        var line = $"message {++sent}";
                        stream.Write(Encoding.ASCII.GetBytes(line + "\n"));
                        var answer = reader.ReadLine();
                        if (answer is null)
                            break;
                        if (answer != $"{line} #{k}")
                            Wrong.Add($"sent '{line}' as line {k} of a connection, got '{answer}'");
                        Acknowledged++;
                    }
                }
                catch (Exception e) when (e is SocketException or IOException)
                {
                    Thread.Sleep(5);
                }
            }
        }

        public long Served()
        {
            using var tcp = new TcpClient();
            tcp.Connect(IPAddress.Loopback, port);
            tcp.GetStream().Write("stats\n"u8);
            var answer = new StreamReader(tcp.GetStream()).ReadLine() ?? "";
            Assert.StartsWith("served ", answer);
            return long.Parse(answer["served ".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    [Fact]
    public async Task KeepsServingAcrossTwentyFailures()
    {
        var port = Ports.Free();
        var image = _tmp["img"];
        var client = new Client(port);
        using var stop = new CancellationTokenSource();
        var random = new Random();
        string Delay() => (0.15 + random.NextDouble() * 0.25).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

        var server = Start("run", "--image", image, "--fail-after", Delay(), "--", programs.Zhuque("echo_server"), port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var talking = Task.Run(() => client.Talk(stop.Token));
        for (var failure = 1; failure <= 20; failure++)
        {
            Assert.True(server.WaitForExit(60_000), "the server did not fail in time");
            Assert.True(server.ExitCode == 158, $"failure {failure}: zhuque ended with {server.ExitCode}, not 158");
            server.Dispose();
            server = Start("resume", "--fail-after", failure < 20 ? Delay() : "3600", image);
        }
        Thread.Sleep(300);
        stop.Cancel();
        await talking;
        var total = client.Served();
        Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        Assert.True(server.WaitForExit(10_000));
        server.Dispose();

        Assert.Empty(client.Wrong);
        Assert.True(client.Connections >= 10, $"only {client.Connections} connections: the client hardly saw the failures");
        Assert.True(client.Acknowledged > 100, $"only {client.Acknowledged} replies");
        Assert.True(total >= client.Acknowledged, $"the server counts {total} lines served, the client got {client.Acknowledged} replies: memory went back");
    }

    public void Dispose() => _tmp.Dispose();
}
