using System.Net;
using Konnect.Controller.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Yarp;

public sealed class GatewayConfigPublisherTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await TestGateway.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task PublishAsync_SameVersionTwice_ReportsUnchanged()
    {
        var model = TestGateway.Model(Route("a", _backend.Url()));

        var first = await _gateway.Publisher.PublishAsync(model, CancellationToken.None);
        var second = await _gateway.Publisher.PublishAsync(model, CancellationToken.None);

        Assert.True(first.Applied);
        Assert.Same(Konnect.Controller.PublishResult.Unchanged, second);
    }

    [Fact]
    public async Task PublishAsync_InvalidRule_RejectsOnlyThatRule()
    {
        var model = TestGateway.Model(
            Route("bad-rewrite", _backend.Url(), Prefix("/bad")) with { RewritePathPrefix = "no-slash" },
            Route("bad-regex", _backend.Url(), Regex("/re/(unclosed")),
            Route("good", _backend.Url("/good"), Prefix("/", rank: 1)));

        var result = await _gateway.Publisher.PublishAsync(model, CancellationToken.None);

        Assert.True(result.Applied);
        Assert.Equal(["test/bad-regex/0", "test/bad-rewrite/0"], result.Rejected.Keys.Order());
        Assert.Contains("rewrite.pathPrefix", result.Rejected["test/bad-rewrite/0"]);
        using var rejected = await _gateway.GetAsync("/bad/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Contains("InvalidConfiguration", (await TestGateway.ProblemAsync(rejected)).GetProperty("detail").GetString());
        Assert.Equal("/good/ok", await _gateway.BodyAsync("/ok"));
    }

    [Fact]
    public async Task PublishAsync_RepublishingOtherRoutes_RouteANeverFails()
    {
        var routeA = Route("a", _backend.Url("/a"), Prefix("/a"));
        await _gateway.PublishAsync(routeA);

        using var stop = new CancellationTokenSource();
        var requests = 0;
        var failures = new List<string>();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var body = await _gateway.BodyAsync("/a/ping");
                Interlocked.Increment(ref requests);
                if (body != "/a/a/ping")
                {
                    lock (failures)
                    {
                        failures.Add(body);
                    }
                }
            }
        })).ToList();

        for (var i = 0; i < 100; i++)
        {
            // Publishing is faster than a request round trip: wait for fresh traffic so every swap overlaps requests.
            var seen = Volatile.Read(ref requests);
            await Until(() => Volatile.Read(ref requests) > seen);

            // Route B changes every time: its path, its endpoint and whether it exists at all.
            RouteModel[] routes = i % 3 == 2
                ? [routeA]
                : [routeA, Route("b", _backend.Url($"/b{i}"), Prefix($"/b{i % 7}"))];
            await _gateway.PublishAsync(routes);
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);
        Assert.Empty(failures);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for requests");
            await Task.Delay(1);
        }
    }

    [Fact]
    public async Task PublishAsync_RouteRemovedMidRequest_InFlightRequestCompletes()
    {
        await _gateway.PublishAsync(Route("slow", _backend.Url("/s"), Prefix("/work")));
        var inFlight = _gateway.GetAsync("/work/slow");
        await _backend.SlowStarted.WaitAsync(TimeSpan.FromSeconds(10));

        await _gateway.PublishAsync(Route("other", _backend.Url("/o"), Prefix("/other")));
        _backend.ReleaseSlow();

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/s/work/slow", await response.Content.ReadAsStringAsync());
        Assert.Equal("404", await _gateway.BodyAsync("/work/slow"));
    }

    [Fact]
    public async Task PublishAsync_BeforeHostStarts_ServesOnceStarted()
    {
        await using var gateway = await TestGateway.StartAsync(publisher =>
            publisher.PublishAsync(TestGateway.Model(Route("early", _backend.Url("/early"))), CancellationToken.None).AsTask());

        Assert.Equal("/early/x", await gateway.BodyAsync("/x"));
    }
}
