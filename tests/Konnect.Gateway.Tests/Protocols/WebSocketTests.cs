using System.Net.WebSockets;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>WebSockets through Konnect's router, a policy and a path rewrite, to a real Kestrel WebSocket upstream.</summary>
public sealed class WebSocketTests : IAsyncLifetime
{
    private StreamingBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await StreamingBackend.StartAsync();
        _gateway = await TestGateway.StartAsync();
        // A policy (ipAccess admits the test client) and a rewrite: both must leave the upgrade intact.
        await _gateway.PublishAsync(Route("ws", _backend.Url("/up"), Prefix("/chat")) with
        {
            RewritePathPrefix = "/",
            Policies = new PoliciesModel
            {
                IpAccess = new IpAccessModel { Policy = "test/ip", Allow = ["127.0.0.0/8"], Deny = [], TrustedProxies = [], ForwardedHeader = "X-Forwarded-For" },
            },
        });
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task WebSocket_Echo_ThroughRouterPolicyAndRewrite(bool http2)
    {
        await using var socket = await WebSocketClient.ConnectAsync(_gateway.Traffic.BaseAddress!, "/chat/ws", http2);

        Assert.Equal("/up/ws hello", await socket.SendAsync("hello"));
        Assert.Equal("/up/ws again", await socket.SendAsync("again"));
        await socket.CloseAsync();
        Assert.Equal(WebSocketState.Closed, socket.State);
    }

    [Fact]
    public async Task WebSocket_NoRoute_RefusedBeforeUpgrade()
    {
        var error = await Assert.ThrowsAsync<WebSocketException>(() => WebSocketClient.ConnectAsync(_gateway.Traffic.BaseAddress!, "/elsewhere/ws"));

        Assert.Contains("404", error.Message);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }
}
