using System.Net;
using System.Net.Sockets;
using System.Text;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Forwarding;

/// <summary>
/// Two real gateways in front of one <see cref="RawUpstream"/>: one forwarding with Konnect's HTTP/1.1 forwarder,
/// one with YARP's. What the upstream and the client see from each is compared byte for byte.
/// </summary>
internal sealed class ForwarderPair : IAsyncDisposable
{
    private ForwarderPair(RawUpstream upstream, TestGateway konnect, TestGateway yarp) => (Upstream, Konnect, Yarp) = (upstream, konnect, yarp);

    public RawUpstream Upstream { get; }

    public TestGateway Konnect { get; }

    public TestGateway Yarp { get; }

    public static async Task<ForwarderPair> StartAsync(Func<RawRequest, RawReply> reply, Func<RawUpstream, RouteModel[]> routes)
    {
        var upstream = RawUpstream.Start(reply);
        var konnect = await TestGateway.StartAsync(configure: o => o.Forwarder = ForwarderKind.Konnect);
        var yarp = await TestGateway.StartAsync(configure: o => o.Forwarder = ForwarderKind.Yarp);
        await konnect.PublishAsync(routes(upstream));
        await yarp.PublishAsync(routes(upstream));
        return new ForwarderPair(upstream, konnect, yarp);
    }

    /// <summary>
    /// Sends <paramref name="wire"/> as is on a new connection and returns everything until the gateway closes it (or,
    /// with <paramref name="readFor"/>, what came within that time).
    /// </summary>
    public static async Task<string> RawAsync(TestGateway gateway, string wire, TimeSpan? readFor = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(gateway.Traffic.BaseAddress!.Host, gateway.Traffic.BaseAddress.Port);
        await socket.SendAsync(Encoding.Latin1.GetBytes(wire), SocketFlags.None);
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(readFor ?? TimeSpan.FromSeconds(10));
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0) { received.Write(buffer, 0, read); }
        }
        catch (OperationCanceledException) when (readFor is not null)
        {
            // Read for as long as asked.
        }
        return Encoding.Latin1.GetString(received.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await Konnect.DisposeAsync();
        await Yarp.DisposeAsync();
        await Upstream.DisposeAsync();
    }
}
