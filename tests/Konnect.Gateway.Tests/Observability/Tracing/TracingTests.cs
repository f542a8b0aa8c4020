using System.Net;
using System.Text.Json;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Observability.Tracing;
using Konnect.Testing.Tracing;
using Microsoft.Extensions.DependencyInjection;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Observability.Tracing;

/// <summary>
/// Tracing over real sockets: client → gateway → real upstream, spans exported over OTLP/HTTP to a real receiver and
/// decoded from protobuf. Export is forced with ForceFlush, never waited for on a timer.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientSpanId = "00f067aa0ba902b7";
    private const string Secret = "sk-trace-8d2c6b1e";

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

    private Task<TestGateway> TracedGatewayAsync() => TestGateway.StartAsync(configure: o => o.OtlpTracesEndpoint = _receiver.TracesUrl);

    [Fact]
    public async Task Tracing_IncomingTraceparent_ServerSpanContinuesItClientSpanIsChildAndUpstreamSeesClientSpan()
    {
        await using var gateway = await TracedGatewayAsync();
        await gateway.PublishAsync(Route("orders", _backend.Url("/up"), Prefix("/orders")));
        // Admin traffic first: probes and scrapes are never traced.
        (await gateway.Admin.GetAsync("/healthz")).Dispose();

        using var response = await gateway.GetAsync($"/orders/7/headers?api_key={Secret}", headers: ("traceparent", $"00-{TraceId}-{ClientSpanId}-01"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstreamTraceparent = UpstreamHeader(await response.Content.ReadAsStringAsync(), "traceparent");

        var spans = await FlushAndWaitAsync(gateway, s => s.Count(x => x.TraceId == TraceId) == 2);
        var server = Assert.Single(spans, s => s.TraceId == TraceId && s.Kind == SpanKind.Server);
        var client = Assert.Single(spans, s => s.TraceId == TraceId && s.Kind == SpanKind.Client);

        Assert.Equal(ClientSpanId, server.ParentSpanId);
        Assert.Equal("GET /orders", server.Name);
        Assert.Equal(GatewayTracing.SourceName, server.Scope);
        Assert.Equal(GatewayTracing.DefaultServiceName, server.ServiceName);
        Assert.Equal("GET", server["http.request.method"]);
        Assert.Equal("/orders/7/headers", server["url.path"]);
        Assert.Equal("200", server["http.response.status_code"]);
        Assert.Equal("/orders", server["http.route"]);
        Assert.Equal("test/orders/0", server["konnect.route"]);
        Assert.Equal("127.0.0.1", server["server.address"]);
        Assert.Null(server["konnect.consumer"]);

        Assert.Equal(server.SpanId, client.ParentSpanId);
        Assert.Equal("GET", client.Name);
        Assert.Equal("127.0.0.1", client["server.address"]);
        Assert.Equal(_backend.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), client["server.port"]);
        Assert.Equal("orders", client["konnect.backend"]);
        Assert.Equal("200", client["http.response.status_code"]);

        // Exactly one traceparent reached the upstream: the client span's, in the client's trace.
        Assert.Equal($"00-{TraceId}-{client.SpanId}-01", upstreamTraceparent);

        // The query string (which may carry a key) is in no attribute; the admin request produced no span.
        Assert.DoesNotContain(spans.SelectMany(s => s.Attributes.Values), v => v.Contains(Secret, StringComparison.Ordinal) || v.Contains("api_key", StringComparison.Ordinal));
        Assert.DoesNotContain(spans, s => s["url.path"] == "/healthz");

        var line = await AccessLogLineAsync(gateway, "/orders/7/headers");
        Assert.Equal(TraceId, line.GetProperty("traceId").GetString());
    }

    [Fact]
    public async Task Tracing_NoTraceparentAndUnmatchedAndFailedUpstream_RootSpanNamedByMethodAndErrorStatus()
    {
        await using var gateway = await TracedGatewayAsync();
        // Port 9 (discard) has no listener on the test machines: the forwarder's connect fails and YARP answers 502.
        await gateway.PublishAsync(Route("orders", _backend.Url("/up"), Prefix("/orders")), Route("down", "http://127.0.0.1:9", Prefix("/down")));

        using var ok = await gateway.GetAsync("/orders/headers");
        var upstreamTraceparent = UpstreamHeader(await ok.Content.ReadAsStringAsync(), "traceparent");
        (await gateway.GetAsync("/nowhere")).Dispose();
        using var failed = await gateway.GetAsync("/down/x");
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        await TestGateway.ProblemAsync(failed, Problem.UpstreamUnreachable);

        var spans = await FlushAndWaitAsync(gateway, s => s.Count(x => x.Kind == SpanKind.Server) == 3 && s.Count(x => x.Kind == SpanKind.Client) == 2);

        var root = Assert.Single(spans, s => s.Kind == SpanKind.Server && s["url.path"] == "/orders/headers");
        Assert.Equal("", root.ParentSpanId);
        var rootAttempt = Assert.Single(spans, s => s.Kind == SpanKind.Client && s.TraceId == root.TraceId);
        Assert.Equal($"00-{root.TraceId}-{rootAttempt.SpanId}-01", upstreamTraceparent);

        var unmatched = Assert.Single(spans, s => s["url.path"] == "/nowhere");
        Assert.Equal("GET", unmatched.Name);
        Assert.Equal("404", unmatched["http.response.status_code"]);
        Assert.Null(unmatched["konnect.route"]);
        Assert.DoesNotContain(spans, s => s.Kind == SpanKind.Client && s.TraceId == unmatched.TraceId);

        var down = Assert.Single(spans, s => s.Kind == SpanKind.Server && s["url.path"] == "/down/x");
        Assert.Equal("GET /down", down.Name);
        Assert.Equal(2, down.StatusCode); // STATUS_CODE_ERROR
        var downAttempt = Assert.Single(spans, s => s.Kind == SpanKind.Client && s.TraceId == down.TraceId);
        Assert.Equal(down.SpanId, downAttempt.ParentSpanId);
        Assert.Equal(2, downAttempt.StatusCode);
        Assert.Equal("Request", downAttempt["error.type"]); // YARP's ForwarderError for a failed send
    }

    [Fact]
    public async Task TracingOff_IncomingTraceparent_ForwardedUnchangedAndInAccessLog()
    {
        await using var gateway = await TestGateway.StartAsync();
        Assert.False(gateway.Services.GetRequiredService<GatewayTracing>().Enabled);
        await gateway.PublishAsync(Route("orders", _backend.Url("/up"), Prefix("/orders")));

        var traceparent = $"00-{TraceId}-{ClientSpanId}-01";
        using var response = await gateway.GetAsync("/orders/headers", headers: [("traceparent", traceparent), ("tracestate", "vendor=1")]);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(traceparent, UpstreamHeader(body, "traceparent"));
        Assert.Equal("vendor=1", UpstreamHeader(body, "tracestate"));

        using var plain = await gateway.GetAsync("/orders/headers");
        Assert.Null(UpstreamHeader(await plain.Content.ReadAsStringAsync(), "traceparent"));

        Assert.Equal(TraceId, (await AccessLogLineAsync(gateway, "/orders/headers", traced: true)).GetProperty("traceId").GetString());
    }

    private async Task<IReadOnlyList<ReceivedSpan>> FlushAndWaitAsync(TestGateway gateway, Func<IReadOnlyList<ReceivedSpan>, bool> done)
    {
        // The response can reach the client a moment before the gateway's middleware ends the span: flush until the
        // expected spans have arrived (each flush exports what has ended, then the receiver wakes the wait).
        var tracing = gateway.Services.GetRequiredService<GatewayTracing>();
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(tracing.ForceFlush());
            try
            {
                return await _receiver.WaitForAsync(done, TimeSpan.FromMilliseconds(attempt < 40 ? 250 : 10_000));
            }
            catch (TimeoutException) when (attempt < 40)
            {
            }
        }
    }

    /// <summary>The value of one header the test backend echoed ("name: value" lines after the path), or null.</summary>
    private static string? UpstreamHeader(string body, string name) =>
        body.Split('\n').Skip(1).Select(l => l.Split(": ", 2)).Where(p => p.Length == 2 && p[0] == name).Select(p => p[1]).SingleOrDefault();

    private static async Task<JsonElement> AccessLogLineAsync(TestGateway gateway, string path, bool traced = false)
    {
        for (var attempt = 0; ; attempt++)
        {
            var line = gateway.AccessLog.Lines.Select(l => JsonDocument.Parse(l).RootElement.Clone())
                .FirstOrDefault(l => l.GetProperty("path").GetString() == path && (!traced || l.TryGetProperty("traceId", out _)));
            if (line.ValueKind == JsonValueKind.Object) { return line; }
            Assert.True(attempt < 200, $"no access-log line for {path}");
            await Task.Delay(25);
        }
    }
}
