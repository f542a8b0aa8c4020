using System.Net;
using System.Net.Sockets;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>gRPC through Konnect between a real Python gRPC client and server (h2c on both sides).</summary>
public sealed class GrpcTests(GrpcPeer peer) : GatewayTest, IClassFixture<GrpcPeer>
{
    private string Target => Gateway.Traffic.BaseAddress!.Authority;

    private Task PublishGrpcAsync(string upstream, params MatchModel[] matches) =>
        Gateway.PublishAsync(Route("grpc", upstream, matches) with
        {
            Backends = [new BackendModel { Name = "grpc", Weight = 1, Endpoints = [upstream], Protocol = UpstreamProtocol.H2c }],
        });

    [Fact]
    public async Task Grpc_Unary_ReplyAndTrailingMetadataArrive()
    {
        await PublishGrpcAsync(peer.Url);

        Assert.Equal("OK echo:hello trailer=kept", await GrpcPeer.CallAsync("unary", Target, "hello"));
    }

    [Fact]
    public async Task Grpc_ServerStreaming_EveryMessageArrives()
    {
        await PublishGrpcAsync(peer.Url);

        Assert.Equal("OK 0,1,2,3,4,5,6,7,8,9", await GrpcPeer.CallAsync("count", Target, "10"));
    }

    [Fact]
    public async Task Grpc_Bidi_EachMessageGetsItsReplyOnTheOpenStream()
    {
        await PublishGrpcAsync(peer.Url);
        await using var chat = GrpcPeer.OpenChat(Target);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal($"OK echo:m{i}", await chat.SendAsync($"m{i}"));
        }
    }

    [Fact]
    public async Task Grpc_ServerErrorStatus_PassesThroughUnchanged()
    {
        await PublishGrpcAsync(peer.Url);

        Assert.Equal("STATUS NOT_FOUND no such order", await GrpcPeer.CallAsync("unary", Target, "fail"));
    }

    [Fact]
    public async Task Grpc_NoRoute_GatewayAnswersUnimplementedWithTheReason()
    {
        await PublishGrpcAsync(peer.Url, Prefix("/other.Service"));

        var line = await GrpcPeer.CallAsync("unary", Target, "hello");

        Assert.StartsWith("STATUS UNIMPLEMENTED No route matches the request: No route matches host", line);
        Assert.Contains("path '/konnect.test.Echo/Unary'", line);
    }

    [Fact]
    public async Task Grpc_UpstreamRefuses_GatewayAnswersUnavailable()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await PublishGrpcAsync($"http://127.0.0.1:{port}");

        Assert.StartsWith("STATUS UNAVAILABLE The upstream could not be reached or failed", await GrpcPeer.CallAsync("unary", Target, "hello"));
    }

    [Fact]
    public async Task Grpc_RuleWithoutEndpoints_GatewayAnswersUnavailableWithTheReason()
    {
        await Gateway.PublishAsync(Route("grpc", peer.Url) with
        {
            Backends = [],
            Unavailable = new Unavailable("NoReadyEndpoints", "rule 0: no ready endpoints for orders:grpc"),
        });

        Assert.Equal("STATUS UNAVAILABLE The route cannot be served: NoReadyEndpoints: rule 0: no ready endpoints for orders:grpc",
            (await GrpcPeer.CallAsync("unary", Target, "hello")).Split(" (request id ")[0]);
    }
}
