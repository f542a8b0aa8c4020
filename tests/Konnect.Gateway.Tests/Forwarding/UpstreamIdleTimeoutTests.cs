using System.Net;
using System.Net.Sockets;
using System.Text;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Forwarding;

/// <summary>Idle upstream keep-alive connections are closed after GatewayOptions.UpstreamIdleTimeout, not .NET's minute.</summary>
public sealed class UpstreamIdleTimeoutTests
{
    [Fact]
    public async Task Proxy_UpstreamConnectionIdle_GatewayClosesItAfterTheIdleTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var gateway = await TestGateway.StartAsync(configure: o => o.UpstreamIdleTimeout = TimeSpan.FromSeconds(1));
        await gateway.PublishAsync(Route("idle", $"http://127.0.0.1:{port}"));

        var request = gateway.BodyAsync("/x");
        using var upstream = await listener.AcceptSocketAsync();
        await ReadRequestHeadAsync(upstream);
        // A keep-alive answer: the connection goes back to the gateway's pool.
        await upstream.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        Assert.Equal("ok", await request);

        // The pool closes the idle connection: the upstream reads end of stream. With .NET's default (a minute) it
        // would still be open when the wait below gives up.
        var buffer = new byte[1];
        var read = await upstream.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, read);
    }

    private static async Task ReadRequestHeadAsync(Socket socket)
    {
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer);
            Assert.NotEqual(0, read);
            head.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
    }
}
