using System.Net;
using System.Net.Sockets;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Routing;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Forwarding;

public sealed class ProxyTests : GatewayTest
{
    [Fact]
    public async Task Proxy_Weights3To1_SplitsTrafficByBackendWeight()
    {
        // Backend "b" has two endpoints sharing its weight of 1: per backend the split is still 3:1.
        var route = Route("split", Backend.Url()) with
        {
            Backends =
            [
                new BackendModel { Name = "a", Weight = 3, Endpoints = [Backend.Url("/a")] },
                new BackendModel { Name = "b", Weight = 1, Endpoints = [Backend.Url("/b1"), Backend.Url("/b2")] },
            ],
        };
        await Gateway.PublishAsync(route);

        const int total = 2000;
        var counts = new int[3];
        await Parallel.ForAsync(0, total, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            var body = await Gateway.BodyAsync("/x");
            Interlocked.Increment(ref counts[body switch { "/a/x" => 0, "/b1/x" => 1, "/b2/x" => 2, _ => throw new InvalidOperationException(body) }]);
        });

        Assert.InRange(counts[0] / (double)total, 0.70, 0.80);
        Assert.True(counts[1] > 0 && counts[2] > 0, $"both endpoints of backend b should serve: {counts[1]}, {counts[2]}");
    }

    [Fact]
    public async Task Proxy_WeightsChangedByALaterPublish_NewSplitServes()
    {
        BackendModel[] Backends(int weightA) =>
        [
            new BackendModel { Name = "a", Weight = weightA, Endpoints = [Backend.Url("/a")] },
            new BackendModel { Name = "b", Weight = 1, Endpoints = [Backend.Url("/b")] },
        ];
        await Gateway.PublishAsync(Route("split", Backend.Url()) with { Backends = Backends(3) });

        // 3:1 then 9:1: only the destinations' weights change, so the cluster is edited in place; the split must follow.
        await Gateway.PublishAsync(Route("split", Backend.Url()) with { Backends = Backends(9) });

        const int total = 1000;
        var toA = 0;
        await Parallel.ForAsync(0, total, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) =>
        {
            if (await Gateway.BodyAsync("/x") == "/a/x") { Interlocked.Increment(ref toA); }
        });

        Assert.InRange(toA / (double)total, 0.85, 0.95);
    }

    [Fact]
    public async Task Proxy_WeightZeroBackend_GetsNoTraffic()
    {
        var route = Route("zero", Backend.Url()) with
        {
            Backends =
            [
                new BackendModel { Name = "off", Weight = 0, Endpoints = [Backend.Url("/off")] },
                new BackendModel { Name = "on", Weight = 1, Endpoints = [Backend.Url("/on")] },
            ],
        };
        await Gateway.PublishAsync(route);

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("/on/x", await Gateway.BodyAsync("/x"));
        }
    }

    [Theory]
    [InlineData("/", "/orders/1?q=1", "/r/1?q=1")]
    [InlineData("/", "/orders", "/r/")]
    [InlineData("/", "/orders/", "/r/")]
    [InlineData("/v2", "/orders/1", "/r/v2/1")]
    [InlineData("/v2/", "/orders/1/items", "/r/v2/1/items")]
    public async Task Proxy_RewritePathPrefix_ReplacesMatchedPrefix(string replacement, string request, string upstream)
    {
        await Gateway.PublishAsync(Route("rw", Backend.Url("/r"), Prefix("/orders")) with { RewritePathPrefix = replacement });

        Assert.Equal(upstream, await Gateway.BodyAsync(request));
    }

    [Fact]
    public async Task Proxy_RewriteWithPathParameters_Refused400()
    {
        // The rewrite could not tell where "/api/v1" ends in "/api;x/v1/foo": refusing beats a wrong upstream path.
        await Gateway.PublishAsync(Route("rw", Backend.Url("/r"), Prefix("/api/v1")) with { RewritePathPrefix = "/" });

        using var response = await Gateway.GetAsync("/api;x/v1/foo");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, Backend.RequestCount);
    }

    [Theory]
    [InlineData("/orders/1", "/orders", "", "/1")]
    [InlineData("/orders", "/orders", "", "/")]
    [InlineData("/orders/1", "/orders", "/v2", "/v2/1")]
    [InlineData("/x/y", "/", "/v2", "/v2/x/y")]
    [InlineData("/x/y", "/", "", "/x/y")]
    public void Rewrite_PrefixCases_FollowReplacePrefixMatch(string path, string prefix, string replacement, string expected)
    {
        Assert.Equal(expected, PrefixRewriteTransform.Rewrite(path, prefix, replacement));
    }

    [Fact]
    public async Task Proxy_RuleTimeoutExpires_Answers504Problem()
    {
        await Gateway.PublishAsync(Route("slow", Backend.Url()) with { Timeout = TimeSpan.FromMilliseconds(300) });

        using var response = await Gateway.GetAsync("/hang");
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.EndsWith("upstream-timeout", (await TestGateway.ProblemAsync(response, Problem.UpstreamTimeout)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Proxy_UpstreamRefusesConnection_Answers502Problem()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await Gateway.PublishAsync(Route("gone", $"http://127.0.0.1:{closedPort}"));

        using var response = await Gateway.GetAsync("/x");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.EndsWith("upstream-unreachable", (await TestGateway.ProblemAsync(response, Problem.UpstreamUnreachable)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Proxy_RequestId_ArrivesAtBackendAndReturns()
    {
        await Gateway.PublishAsync(Route("id", Backend.Url()));

        using var generated = await Gateway.GetAsync("/x");
        var id = generated.Headers.GetValues("x-request-id").Single();
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, generated.Headers.GetValues(TestBackend.SeenRequestIdHeader).Single());

        using var kept = await Gateway.GetAsync("/x", headers: ("x-request-id", "client-id.42:a_b"));
        Assert.Equal("client-id.42:a_b", kept.Headers.GetValues("x-request-id").Single());
        Assert.Equal("client-id.42:a_b", kept.Headers.GetValues(TestBackend.SeenRequestIdHeader).Single());

        using var replaced = await Gateway.GetAsync("/x", headers: ("x-request-id", "bad id!"));
        var newId = replaced.Headers.GetValues("x-request-id").Single();
        Assert.Matches("^[0-9a-f]{32}$", newId);
        Assert.Equal(newId, replaced.Headers.GetValues(TestBackend.SeenRequestIdHeader).Single());
    }
}
