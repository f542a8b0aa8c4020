using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Forwarding;

/// <summary>
/// Rules with plain client settings send over one connection pool per upstream address, not one per rule: the upstream
/// answers with the id of the connection a request came on, so two rules' requests name the connections they used.
/// These are YARP's pools (SharedUpstreamHandlers), so the gateway here sends everything through YARP's forwarder;
/// DirectForwarderTests cover the pools of Konnect's own.
/// </summary>
public sealed class SharedUpstreamPoolTests : IAsyncLifetime
{
    private WebApplication _upstream = null!;
    private TestGateway _gateway = null!;

    private string Url => $"http://127.0.0.1:{_upstream.Port()}";

    public async Task InitializeAsync()
    {
        _upstream = await StartUpstreamAsync(HttpProtocols.Http1);
        _gateway = await TestGateway.StartAsync(configure: o => o.Forwarder = ForwarderKind.Yarp);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task TwoRulesSameUpstream_RequestsOneAfterTheOther_ArriveOverOneConnection()
    {
        await _gateway.PublishAsync(Route("a", Url, Prefix("/a")), Route("b", Url, Prefix("/b")));

        var first = await ConnectionAsync("/a");
        var second = await ConnectionAsync("/b");

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task RetryAddedToOneRule_ItsNextRequest_ReusesTheOpenConnection()
    {
        var a = Route("a", Url, Prefix("/a"));
        var b = Route("b", Url, Prefix("/b"));
        await _gateway.PublishAsync(a, b);
        var before = await ConnectionAsync("/a");

        // A retry policy gives rule a a new client (fresh retry budget); the pool under it is the shared one.
        await _gateway.PublishAsync(a with { Policies = new PoliciesModel { Resilience = new() { Retry = Retry() } } }, b);

        Assert.Equal(before, await ConnectionAsync("/a"));
        Assert.Equal(before, await ConnectionAsync("/b"));
    }

    [Fact]
    public async Task TwoH2cRules_RequestsOneAfterTheOther_ShareOneHttp2Connection()
    {
        await using var h2c = await StartUpstreamAsync(HttpProtocols.Http2);
        var url = $"http://127.0.0.1:{h2c.Port()}";
        await _gateway.PublishAsync(H2c(Route("a", url, Prefix("/a"))), H2c(Route("b", url, Prefix("/b"))));

        var first = await _gateway.BodyAsync("/a");
        var second = await _gateway.BodyAsync("/b");

        Assert.StartsWith("HTTP/2 ", first, StringComparison.Ordinal);
        Assert.Equal(first, second);
    }

    /// <summary>The id of the upstream connection a request through the gateway arrived on.</summary>
    private async Task<string> ConnectionAsync(string path)
    {
        var body = await _gateway.BodyAsync(path);
        Assert.StartsWith("HTTP/1.1 ", body, StringComparison.Ordinal);
        return body;
    }

    private static RouteModel H2c(RouteModel route) => route with
    {
        Backends = [route.Backends[0] with { Protocol = UpstreamProtocol.H2c }],
    };

    private static RetryModel Retry() => new()
    {
        Policy = "test/retry",
        Attempts = 2,
        OnConnectFailure = true,
        OnTimeout = false,
        OnStatuses = [503],
        Methods = ["GET"],
        BudgetRatio = 0.2,
        BudgetMinPerSecond = 10,
    };

    /// <summary>A Kestrel upstream answering "protocol connection-id" on every path.</summary>
    private static async Task<WebApplication> StartUpstreamAsync(HttpProtocols protocols)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.RemoveAll<ILoggerProvider>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        var app = builder.Build();
        app.Run(c => c.Response.WriteAsync($"{c.Request.Protocol} {c.Connection.Id}"));
        await app.StartAsync();
        return app;
    }
}
