using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Management;

public sealed class GatewayConfigPublisherTests : GatewayTest
{
    [Fact]
    public async Task PublishAsync_SameVersionTwice_ReportsUnchanged()
    {
        var model = TestGateway.Model(Route("a", Backend.Url()));

        var first = await Gateway.Publisher.PublishAsync(model, CancellationToken.None);
        var second = await Gateway.Publisher.PublishAsync(model, CancellationToken.None);

        Assert.True(first.Applied);
        Assert.Same(Konnect.Model.PublishResult.Unchanged, second);
    }

    [Fact]
    public async Task PublishAsync_IdsDifferingOnlyInCase_SecondRejectedEvenAfterTheFirstIsFixed()
    {
        // The first publish rejects "Dup" for a pattern that does not compile, before ids are compared; once it is
        // fixed (same ids, same order) the two ids meet, and the duplicate must still be caught.
        var broken = TestGateway.Model(
            Route("Dup", Backend.Url(), Regex("/one/(unclosed")),
            Route("dup", Backend.Url("/two"), Prefix("/two")));
        var first = await Gateway.Publisher.PublishAsync(broken, CancellationToken.None);
        Assert.Equal(["test/Dup/0"], first.Rejected.Keys);

        var fixedModel = TestGateway.Model(
            Route("Dup", Backend.Url("/one"), Prefix("/one")),
            Route("dup", Backend.Url("/two"), Prefix("/two")));
        var second = await Gateway.Publisher.PublishAsync(fixedModel, CancellationToken.None);

        Assert.Equal(["test/dup/0"], second.Rejected.Keys);
        Assert.Contains("appears more than once", second.Rejected["test/dup/0"]);
        Assert.Equal("/one/one/x", await Gateway.BodyAsync("/one/x"));
    }

    [Fact]
    public async Task PublishAsync_InvalidRule_RejectsOnlyThatRule()
    {
        var model = TestGateway.Model(
            Route("bad-rewrite", Backend.Url(), Prefix("/bad")) with { RewritePathPrefix = "no-slash" },
            Route("bad-regex", Backend.Url(), Regex("/re/(unclosed")),
            Route("good", Backend.Url("/good"), Prefix("/", rank: 1)));

        var result = await Gateway.Publisher.PublishAsync(model, CancellationToken.None);

        Assert.True(result.Applied);
        Assert.Equal(["test/bad-regex/0", "test/bad-rewrite/0"], result.Rejected.Keys.Order());
        Assert.Contains("rewrite.pathPrefix", result.Rejected["test/bad-rewrite/0"]);
        using var rejected = await Gateway.GetAsync("/bad/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, rejected.StatusCode);
        Assert.Contains("InvalidConfiguration", (await TestGateway.ProblemAsync(rejected, Problem.RouteUnavailable)).GetProperty("detail").GetString());
        Assert.Equal("/good/ok", await Gateway.BodyAsync("/ok"));
    }

    [Fact]
    public async Task PublishAsync_RepublishingOtherRoutes_RouteANeverFails()
    {
        var routeA = Route("a", Backend.Url("/a"), Prefix("/a"));
        await Gateway.PublishAsync(routeA);

        using var stop = new CancellationTokenSource();
        var requests = 0;
        var failures = new List<string>();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var body = await Gateway.BodyAsync("/a/ping");
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
                : [routeA, Route("b", Backend.Url($"/b{i}"), Prefix($"/b{i % 7}"))];
            await Gateway.PublishAsync(routes);
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
        await Gateway.PublishAsync(Route("slow", Backend.Url("/s"), Prefix("/work")));
        var inFlight = Gateway.GetAsync("/work/slow");
        await Backend.SlowStarted.WaitAsync(TimeSpan.FromSeconds(10));

        await Gateway.PublishAsync(Route("other", Backend.Url("/o"), Prefix("/other")));
        Backend.ReleaseSlow();

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/s/work/slow", await response.Content.ReadAsStringAsync());
        Assert.Equal("404", await Gateway.BodyAsync("/work/slow"));
    }

    [Fact]
    public async Task PublishAsync_BeforeHostStarts_ServesOnceStarted()
    {
        await using var gateway = await TestGateway.StartAsync(publisher =>
            publisher.PublishAsync(TestGateway.Model(Route("early", Backend.Url("/early"))), CancellationToken.None).AsTask());

        Assert.Equal("/early/x", await gateway.BodyAsync("/x"));
    }
}
