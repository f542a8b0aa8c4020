using System.Net;
using System.Text.RegularExpressions;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Metrics;
using Konnect.Testing.Tracing;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Observability.Metrics;

/// <summary>
/// /metrics over real sockets: the format the scraper's Accept header asks for (OpenMetrics or the classic text), and
/// exemplars linking request durations to the request's trace when tracing is on.
/// </summary>
public sealed partial class MetricsFormatTests : IAsyncLifetime
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string OpenMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private const string Text = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>What Prometheus 2.x sends by default: OpenMetrics first, the text format as a fallback.</summary>
    private const string PrometheusAccept = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    private TestBackend _backend = null!;
    private OtlpReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _receiver = await OtlpReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static async Task<(string ContentType, Scrape Scrape)> ScrapeAsync(TestGateway gateway, string? accept, Func<Scrape, bool> ready)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            if (accept is not null) { request.Headers.TryAddWithoutValidation("Accept", accept); }
            using var response = await gateway.Admin.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var scrape = new Scrape(await response.Content.ReadAsStringAsync());
            // A client can read the whole response a moment before the middleware that records the request returns.
            if (ready(scrape) || attempt == 100) { return (response.Content.Headers.ContentType!.ToString(), scrape); }
            await Task.Delay(50);
        }
    }

    private static bool Counted(Scrape scrape) => scrape.Family("konnect_http_requests_total").Values.Sum() >= 1;

    [Theory]
    [InlineData(null, Text)]
    [InlineData("text/plain;version=0.0.4", Text)]
    [InlineData("*/*", Text)]
    [InlineData("application/openmetrics-text; version=1.0.0", OpenMetrics)]
    [InlineData(PrometheusAccept, OpenMetrics)]
    [InlineData("text/plain;q=0.9,application/openmetrics-text;q=0.5", Text)]
    public async Task Metrics_Accept_NegotiatesFormat(string? accept, string expected)
    {
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Route("a", _backend.Url("/a"), Prefix("/a")));
        (await gateway.GetAsync("/a/x")).Dispose();

        var (contentType, scrape) = await ScrapeAsync(gateway, accept, Counted);

        Assert.Equal(expected, contentType);
        Assert.Equal(1, scrape["konnect_http_requests_total{code=\"200\",method=\"GET\",namespace=\"test\",route=\"a\"}"]);
        if (expected == OpenMetrics)
        {
            // OpenMetrics names a counter family without _total, floats its le labels, and ends with # EOF.
            Assert.Contains("# TYPE konnect_http_requests counter\n", scrape.Text);
            Assert.Equal(1, scrape["konnect_http_request_duration_seconds_bucket{namespace=\"test\",route=\"a\",le=\"30.0\"}"]);
            Assert.EndsWith("# EOF\n", scrape.Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("# TYPE konnect_http_requests_total counter\n", scrape.Text);
            Assert.Equal(1, scrape["konnect_http_request_duration_seconds_bucket{namespace=\"test\",route=\"a\",le=\"30\"}"]);
            Assert.DoesNotContain("# EOF", scrape.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_TracingOn_ExemplarsCarryTheRequestsTraceIdInOpenMetricsOnly()
    {
        await using var gateway = await TestGateway.StartAsync(configure: o => o.OtlpTracesEndpoint = _receiver.TracesUrl);
        await gateway.PublishAsync(Route("orders", _backend.Url("/up"), Prefix("/orders")));
        using (var response = await gateway.GetAsync("/orders/7", headers: ("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01")))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var (_, open) = await ScrapeAsync(gateway, PrometheusAccept, Counted);
        var (_, text) = await ScrapeAsync(gateway, null, Counted);

        // One request: exactly one bucket of the duration histogram (the one it fell in) holds its exemplar.
        var bucket = Assert.Single(open.Exemplars("konnect_http_request_duration_seconds_bucket"));
        Assert.StartsWith("konnect_http_request_duration_seconds_bucket{namespace=\"test\",route=\"orders\",le=", bucket.Key, StringComparison.Ordinal);
        Assert.Matches(ExemplarOf(TraceId), bucket.Value);
        var requests = Assert.Single(open.Exemplars("konnect_http_requests_total"));
        Assert.Equal("konnect_http_requests_total{code=\"200\",method=\"GET\",namespace=\"test\",route=\"orders\"}", requests.Key);
        Assert.Matches(ExemplarOf(TraceId), requests.Value);
        // The server span's id, the same in both: the request, not the client's span (00f067aa0ba902b7).
        Assert.Equal(SpanId(bucket.Value), SpanId(requests.Value));
        Assert.NotEqual("00f067aa0ba902b7", SpanId(bucket.Value));
        // The classic text format has no exemplars.
        Assert.Empty(text.Exemplars("konnect_http_request_duration_seconds_bucket"));
        Assert.DoesNotContain(TraceId, text.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_TracingOff_NoExemplarEvenForATracedClient()
    {
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Route("orders", _backend.Url("/up"), Prefix("/orders")));
        (await gateway.GetAsync("/orders/7", headers: ("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01"))).Dispose();

        var (contentType, open) = await ScrapeAsync(gateway, PrometheusAccept, Counted);

        Assert.Equal(OpenMetrics, contentType);
        Assert.Empty(open.Exemplars("konnect_http_request_duration_seconds_bucket"));
        Assert.Empty(open.Exemplars("konnect_http_requests_total"));
        Assert.DoesNotContain(" # {", open.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_TextAfterTracedTraffic_PassesPromtool()
    {
        await using var gateway = await TestGateway.StartAsync(configure: o => o.OtlpTracesEndpoint = _receiver.TracesUrl);
        await gateway.PublishAsync(Route("orders", _backend.Url("/up"), Prefix("/orders")));
        (await gateway.GetAsync("/orders/7", headers: ("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01"))).Dispose();
        (await gateway.GetAsync("/nowhere")).Dispose();

        var (_, text) = await ScrapeAsync(gateway, null, s => s.Family("konnect_http_requests_total").Values.Sum() == 2);
        var (exit, output) = await Promtool.CheckMetricsAsync(text.Text);

        Assert.True(exit == 0, $"promtool check metrics failed ({exit}): {output}\n{text.Text}");
    }

    /// <summary>
    /// promtool reads only the text format (an exemplar is a parse error to it, and it looks for HELP under the
    /// counter's sample name): the OpenMetrics scrape, exemplars included, goes to the Prometheus project's Python parser.
    /// </summary>
    [Fact]
    public async Task Metrics_OpenMetricsWithExemplars_ParsedByTheOpenMetricsParser()
    {
        await using var gateway = await TestGateway.StartAsync(configure: o => o.OtlpTracesEndpoint = _receiver.TracesUrl);
        await gateway.PublishAsync(Route("orders", _backend.Url("/up"), Prefix("/orders")));
        (await gateway.GetAsync("/orders/7", headers: ("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01"))).Dispose();
        (await gateway.GetAsync("/nowhere")).Dispose();

        var (_, open) = await ScrapeAsync(gateway, PrometheusAccept, s => s.Family("konnect_http_requests_total").Values.Sum() == 2);
        var (exit, output) = await OpenMetricsCheck.ParseAsync(open.Text);

        Assert.True(exit == 0, $"the OpenMetrics parser refused the scrape ({exit}): {output}\n{open.Text}");
        var families = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(f => f[0]);
        // name, type, samples, samples with an exemplar: two requests (orders, unmatched), each with its exemplar.
        Assert.Equal(["konnect_http_requests", "counter", "2", "2"], families["konnect_http_requests"]);
        Assert.Equal("histogram", families["konnect_http_request_duration_seconds"][1]);
        Assert.Equal("2", families["konnect_http_request_duration_seconds"][3]);
        Assert.Equal("0", families["konnect_upstream_request_duration_seconds"][3]);
    }

    private static Regex ExemplarOf(string traceId) => new($"^\\{{trace_id=\"{traceId}\",span_id=\"[0-9a-f]{{16}}\"\\}} [0-9.e-]+ [0-9.]+$");

    private static string SpanId(string exemplar) => SpanIdPattern().Match(exemplar).Groups[1].Value;

    [GeneratedRegex("span_id=\"([0-9a-f]{16})\"")]
    private static partial Regex SpanIdPattern();
}
