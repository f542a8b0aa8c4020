using System.Net.WebSockets;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>
/// Open streams on a route that did not change survive reloads of the rest of the configuration: one WebSocket and one
/// gRPC bidirectional stream stay open and keep answering while other routes are added, changed and removed 100 times.
/// </summary>
public sealed class ReloadSurvivalTests(GrpcPeer peer) : IClassFixture<GrpcPeer>, IAsyncLifetime
{
    private StreamingBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await StreamingBackend.StartAsync();
        _gateway = await TestGateway.StartAsync();
    }

    private RouteModel[] Model(int generation)
    {
        var grpc = Route("grpc", peer.Url, Prefix("/konnect.test.Echo")) with
        {
            Backends = [new BackendModel { Name = "grpc", Weight = 1, Endpoints = [peer.Url], Protocol = UpstreamProtocol.H2c }],
        };
        var ws = Route("ws", _backend.Url("/up"), Prefix("/live"));
        // Other routes: one whose path and upstream change every time, one that comes and goes, and one per generation.
        var changing = Route("changing", _backend.Url($"/gen{generation}"), Prefix("/changing")) with { Timeout = TimeSpan.FromSeconds(10 + generation) };
        var routes = new List<RouteModel> { grpc, ws, changing, Route($"gen-{generation}", _backend.Url("/g"), Prefix($"/gen-{generation}")) };
        if (generation % 2 == 0)
        {
            routes.Add(Route("sometimes", _backend.Url("/s"), Prefix("/sometimes")));
        }

        return [.. routes];
    }

    [Fact]
    public async Task OpenWebSocketAndGrpcStream_OtherRoutesRepublished100Times_KeepWorking()
    {
        await _gateway.PublishAsync(Model(0));
        var traffic = _gateway.Traffic.BaseAddress!;
        await using var socket = await WebSocketClient.ConnectAsync(traffic, "/live/ws");
        await using var chat = GrpcPeer.OpenChat(traffic.Authority);
        Assert.Equal("/up/live/ws before", await socket.SendAsync("before"));
        Assert.Equal("OK echo:before", await chat.SendAsync("before"));

        for (var generation = 1; generation <= 100; generation++)
        {
            await _gateway.PublishAsync(Model(generation));

            Assert.Equal($"/up/live/ws m{generation}", await socket.SendAsync($"m{generation}"));
            Assert.Equal($"OK echo:m{generation}", await chat.SendAsync($"m{generation}"));
        }

        // The reloads really happened: the changing route serves its newest upstream.
        Assert.Equal("/gen100/changing/echo", await _gateway.BodyAsync("/changing/echo"));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task OpenStreams_TheirOwnRulesChangeOrGoAway_FinishOnTheConfigurationTheyStartedWith()
    {
        await _gateway.PublishAsync(Model(0));
        var traffic = _gateway.Traffic.BaseAddress!;
        await using var socket = await WebSocketClient.ConnectAsync(traffic, "/live/ws");
        await using var chat = GrpcPeer.OpenChat(traffic.Authority);
        Assert.Equal("OK echo:before", await chat.SendAsync("before"));

        // The WebSocket's rule gets another upstream path and timeout; the gRPC rule is removed.
        var model = Model(1).Where(r => r.Route != "grpc").Select(r => r.Route == "ws"
            ? r with { Timeout = TimeSpan.FromMinutes(5), Backends = [r.Backends[0] with { Endpoints = [_backend.Url("/moved")] }] }
            : r).ToArray();
        await _gateway.PublishAsync(model);

        Assert.Equal("/up/live/ws after", await socket.SendAsync("after"));
        Assert.Equal("OK echo:after", await chat.SendAsync("after"));
        // New connections take the new configuration.
        await using var fresh = await WebSocketClient.ConnectAsync(traffic, "/live/ws");
        Assert.Equal("/moved/live/ws new", await fresh.SendAsync("new"));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }
}
