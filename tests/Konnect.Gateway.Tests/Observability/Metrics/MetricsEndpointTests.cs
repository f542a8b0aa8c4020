using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using Konnect.Model;
using Konnect.Gateway.Observability.Metrics;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Policies;
using Konnect.Testing.Metrics;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Observability.Metrics;

/// <summary>/metrics on the admin port after known traffic over real sockets: exact counts, not "more than zero".</summary>
public sealed class MetricsEndpointTests : GatewayTest
{
    private const string RouteA = "namespace=\"test\",route=\"a\"";

    /// <summary>
    /// Scrapes until <paramref name="ready"/> holds: a client can read the whole response a moment before the gateway's
    /// middleware, which records the request, has returned.
    /// </summary>
    internal static async Task<Scrape> ScrapeAsync(TestGateway gateway, Func<Scrape, bool> ready)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await gateway.Admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var scrape = new Scrape(await response.Content.ReadAsStringAsync());
            if (ready(scrape) || attempt == 100) { return scrape; }
            await Task.Delay(50);
        }
    }

    private static double Total(Scrape scrape, string family) => scrape.Family(family).Values.Sum();

    [Fact]
    public async Task Metrics_AfterKnownTraffic_ExactRequestCountersAndHistogramCounts()
    {
        await Gateway.PublishAsync(Route("a", Backend.Url("/a"), Prefix("/a")));
        for (var i = 0; i < 3; i++) { (await Gateway.GetAsync("/a/x")).Dispose(); }
        (await Gateway.GetAsync("/a/x", method: HttpMethod.Post)).Dispose();
        (await Gateway.GetAsync("/a/x", method: new HttpMethod("FROBNICATE"))).Dispose();
        (await Gateway.GetAsync("/nowhere")).Dispose();
        (await Gateway.GetAsync("/nowhere/else")).Dispose();

        var scrape = await ScrapeAsync(Gateway, s => Total(s, "konnect_http_requests_total") == 7);

        Assert.Equal(3, scrape[$"konnect_http_requests_total{{code=\"200\",method=\"GET\",{RouteA}}}"]);
        Assert.Equal(1, scrape[$"konnect_http_requests_total{{code=\"200\",method=\"POST\",{RouteA}}}"]);
        Assert.Equal(1, scrape[$"konnect_http_requests_total{{code=\"200\",method=\"OTHER\",{RouteA}}}"]);
        Assert.Equal(2, scrape["konnect_http_requests_total{code=\"404\",method=\"GET\",namespace=\"\",route=\"unmatched\"}"]);
        // The scrapes themselves are admin traffic and never counted.
        Assert.Equal(7, Total(scrape, "konnect_http_requests_total"));

        AssertHistogram(scrape, "konnect_http_request_duration_seconds", RouteA, 5);
        AssertHistogram(scrape, "konnect_http_request_duration_seconds", "namespace=\"\",route=\"unmatched\"", 2);
        AssertHistogram(scrape, "konnect_upstream_request_duration_seconds", "backend=\"a\"," + RouteA, 5);
        Assert.DoesNotContain(scrape.Family("konnect_upstream_request_duration_seconds_count").Keys, k => k.Contains("unmatched", StringComparison.Ordinal));
    }

    /// <summary>Every bucket of the 1 ms .. 30 s ladder, cumulative; all requests here finish within 30 s.</summary>
    private static void AssertHistogram(Scrape scrape, string name, string labels, int count)
    {
        Assert.Equal(count, scrape[$"{name}_count{{{labels}}}"]);
        Assert.Equal(count, scrape[$"{name}_bucket{{{labels},le=\"+Inf\"}}"]);
        Assert.Equal(count, scrape[$"{name}_bucket{{{labels},le=\"30\"}}"]);
        var previous = 0.0;
        foreach (var bound in GatewayMetrics.LatencyBuckets)
        {
            var bucket = scrape[$"{name}_bucket{{{labels},le=\"{bound.ToString("R", CultureInfo.InvariantCulture)}\"}}"];
            Assert.NotNull(bucket);
            Assert.True(bucket >= previous, $"{name} bucket le={bound} is {bucket}, below the previous {previous}");
            previous = bucket.Value;
        }

        Assert.True(scrape[$"{name}_sum{{{labels}}}"] > 0);
    }

    [Fact]
    public async Task Metrics_ContentTypeRuntimeAndDestinationGauges_PresentOnAdminPortOnly()
    {
        await Gateway.PublishAsync(Route("a", Backend.Url("/a"), Prefix("/a")));

        using var response = await Gateway.Admin.GetAsync("/metrics");
        var scrape = new Scrape(await response.Content.ReadAsStringAsync());
        using var onTraffic = await Gateway.GetAsync("/metrics");

        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(scrape["process_cpu_seconds_total"] > 0);
        Assert.True(scrape["process_resident_memory_bytes"] > 0);
        Assert.True(scrape["dotnet_gc_heap_bytes"] > 0);
        Assert.True(scrape["dotnet_gc_allocated_bytes_total"] > 0);
        Assert.NotNull(scrape["dotnet_gc_collections_total{generation=\"2\"}"]);
        Assert.True(scrape["dotnet_threadpool_threads"] > 0);
        Assert.NotNull(scrape["dotnet_threadpool_queue_length"]);
        Assert.Equal(1, scrape[$"konnect_upstream_destination_healthy{{backend=\"a\",destination=\"{Backend.Url("/a")}\",{RouteA}}}"]);
        Assert.Single(scrape.Family("konnect_upstream_destination_healthy"));
        // This scrape's own connection is the admin listener's only one.
        Assert.Equal(1, scrape["konnect_open_connections{listener=\"admin\"}"]);
        Assert.Equal(HttpStatusCode.NotFound, onTraffic.StatusCode); // "/metrics" is an ordinary path on the traffic port
    }

    [Fact]
    public async Task Metrics_RealScrapeAfterTraffic_PassesPromtool()
    {
        await Gateway.PublishAsync(Route("a", Backend.Url("/a"), Prefix("/a")));
        (await Gateway.GetAsync("/a/x")).Dispose();
        (await Gateway.GetAsync("/nowhere")).Dispose();
        var scrape = await ScrapeAsync(Gateway, s => Total(s, "konnect_http_requests_total") == 2);

        var (exit, output) = await Promtool.CheckMetricsAsync(scrape.Text);

        Assert.True(exit == 0, $"promtool check metrics failed ({exit}): {output}\n{scrape.Text}");
    }

    [Fact]
    public async Task Metrics_TwoGatewaysInOneProcess_EachScrapeHasItsOwnTrafficAndTheProcessWideMeters()
    {
        await using var other = await TestGateway.StartAsync();
        await Gateway.PublishAsync(Route("a", Backend.Url("/a"), Prefix("/a")));
        await other.PublishAsync(Route("b", Backend.Url("/b"), Prefix("/b")));
        // A static "Konnect.*" meter, as the controller's and the Kubernetes client's are: every gateway exports it.
        using var shared = new Meter("Konnect.Test.TwoGateways");
        shared.CreateCounter<long>("konnect_test_two_gateways_total").Add(3);
        for (var i = 0; i < 2; i++) { (await Gateway.GetAsync("/a/x")).Dispose(); }
        (await other.GetAsync("/b/x")).Dispose();

        var mine = await ScrapeAsync(Gateway, s => Total(s, "konnect_http_requests_total") == 2);
        var theirs = await ScrapeAsync(other, s => Total(s, "konnect_http_requests_total") == 1);

        Assert.Equal(2, mine[$"konnect_http_requests_total{{code=\"200\",method=\"GET\",{RouteA}}}"]);
        Assert.Single(mine.Family("konnect_http_requests_total"));
        Assert.Equal(1, theirs["konnect_http_requests_total{code=\"200\",method=\"GET\",namespace=\"test\",route=\"b\"}"]);
        Assert.Single(theirs.Family("konnect_http_requests_total"));
        Assert.Equal(3, mine["konnect_test_two_gateways_total"]);
        Assert.Equal(3, theirs["konnect_test_two_gateways_total"]);
    }

    [Fact]
    public async Task Metrics_RouteRemoved_ItsEndpointSeriesVanishFromTheNextScrape()
    {
        await Gateway.PublishAsync(Route("a", Backend.Url("/a"), Prefix("/a")), Route("b", Backend.Url("/b"), Prefix("/b")));
        var before = await ScrapeAsync(Gateway, _ => true);
        await Gateway.PublishAsync(Route("b", Backend.Url("/b"), Prefix("/b")));
        var after = await ScrapeAsync(Gateway, _ => true);

        Assert.Equal(2, before.Family("konnect_upstream_destination_healthy").Count);
        var left = Assert.Single(after.Family("konnect_upstream_destination_healthy"));
        Assert.Contains("route=\"b\"", left.Key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuthRejected_WrongKeysAndForbiddenConsumer_CountedByReason()
    {
        await using var backend = await TestBackend.StartAsync();
        var onlyGold = new AuthorizationModel { Policy = "test/gold", ConsumerGroups = ["platinum"] };
        await using var gateway = await AuthenticationTests.StartAsync(AuthenticationTests.Protected(backend, AuthenticationTests.ApiKey, onlyGold));

        (await gateway.GetAsync("/x", headers: [("x-api-key", "wrong-1")])).Dispose();
        (await gateway.GetAsync("/x")).Dispose();
        (await gateway.GetAsync("/x", headers: [("x-api-key", AuthenticationTests.AcmeKey)])).Dispose();

        var scrape = await ScrapeAsync(gateway, s => Total(s, "konnect_http_requests_total") == 3);

        Assert.Equal(2, scrape["konnect_auth_rejected_total{reason=\"unauthorized\"}"]);
        Assert.Equal(1, scrape["konnect_auth_rejected_total{reason=\"consumer-forbidden\"}"]);
        Assert.Equal(2, scrape["konnect_http_requests_total{code=\"401\",method=\"GET\",namespace=\"test\",route=\"auth\"}"]);
        Assert.Equal(0, backend.RequestCount);
        Assert.Empty(scrape.Family("konnect_consumer_requests_total")); // opt-in, and off by default
    }

    [Fact]
    public async Task ConsumerRequests_WhenEnabled_CountedByConsumerAndCode()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(configure: o => o.ConsumerMetrics = true);
        var published = await gateway.Publisher.PublishAsync(
            TestGateway.Model(AuthenticationTests.Protected(backend, AuthenticationTests.ApiKey)) with { Consumers = [AuthenticationTests.Acme] }, CancellationToken.None);
        Assert.True(published.Applied);

        (await gateway.GetAsync("/x", headers: [("x-api-key", AuthenticationTests.AcmeKey)])).Dispose();
        (await gateway.GetAsync("/x", headers: [("x-api-key", AuthenticationTests.AcmeNewKey)])).Dispose();
        // A client-sent identity header must not become a label: the policy step strips it.
        (await gateway.GetAsync("/nowhere-else", host: "other.example", headers: [("x-konnect-consumer", "partners/spoofed")])).Dispose();
        var scrape = await ScrapeAsync(gateway, s => Total(s, "konnect_http_requests_total") == 3);

        Assert.Equal(2, scrape["konnect_consumer_requests_total{code=\"200\",consumer=\"partners/acme\"}"]);
        Assert.Single(scrape.Family("konnect_consumer_requests_total"));
    }
}
