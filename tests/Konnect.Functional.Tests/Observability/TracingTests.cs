using System.Text;
using System.Text.Json;
using Konnect.Testing;
using Konnect.Testing.Tracing;

namespace Konnect.Functional.Tests.Observability;

/// <summary>
/// Tracing in the real binary, switched on the way an operator does it: the standard OTEL_* variables only. The
/// binary logs to the console, so ASP.NET starts an activity of its own for every request; the spans must still hang
/// off the client's context (or be roots), never off that unexported activity.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    private const string TraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ClientSpanId = "b7ad6b7169203331";
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-trace-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _upstream = Repo.FreePort();
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private OtlpReceiver _receiver = null!;
    private System.Diagnostics.Process _echo = null!;
    private System.Diagnostics.Process _konnect = null!;

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        Repo.WriteOrdersRoute(_dir, _upstream);
        _echo = Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}");
        _konnect = Repo.StartDotnet(Repo.KonnectDll, _output, new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.BaseUrl.ToString(),
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-collector-tenant=shop-team",
            ["OTEL_SERVICE_NAME"] = "edge-gateway",
            // A short batch delay instead of the 5 s default: the test waits for the export, it never sleeps.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        }, "run", "--manifests", _dir, "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_upstream}/")).IsSuccessStatusCode, "echo ready");
    }

    public async Task DisposeAsync()
    {
        Repo.Stop(_konnect, _echo);
        _http.Dispose();
        await _receiver.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Run_OtelEnvironment_SpansExportedOverOtlpHttpAndUpstreamContinuesTheTrace()
    {
        var continued = await UpstreamTraceparentAsync("/orders/1", $"00-{TraceId}-{ClientSpanId}-01");
        var fresh = await UpstreamTraceparentAsync("/orders/2", traceparent: null);

        var spans = await _receiver.WaitForAsync(s => s.Count(x => x.Kind == SpanKind.Server) == 2 && s.Count(x => x.Kind == SpanKind.Client) == 2);

        var server = Assert.Single(spans, s => s.Kind == SpanKind.Server && s.TraceId == TraceId);
        Assert.Equal(ClientSpanId, server.ParentSpanId);
        Assert.Equal("GET /orders", server.Name);
        Assert.Equal("shop/orders/0", server["konnect.route"]);
        Assert.Equal("edge-gateway", server.ServiceName);
        var attempt = Assert.Single(spans, s => s.Kind == SpanKind.Client && s.TraceId == TraceId);
        Assert.Equal(server.SpanId, attempt.ParentSpanId);
        Assert.Equal($"00-{TraceId}-{attempt.SpanId}-01", continued);

        // No client context: a root span, even though ASP.NET's own activity was current when it started.
        var root = Assert.Single(spans, s => s.Kind == SpanKind.Server && s["url.path"] == "/orders/2");
        Assert.Equal("", root.ParentSpanId);
        var rootAttempt = Assert.Single(spans, s => s.Kind == SpanKind.Client && s.TraceId == root.TraceId);
        Assert.Equal($"00-{root.TraceId}-{rootAttempt.SpanId}-01", fresh);

        Assert.Equal("shop-team", _receiver.LastHeader("x-collector-tenant"));
        Assert.Equal("application/x-protobuf", _receiver.LastHeader("content-type"));
    }

    /// <summary>Sends a GET through konnect and returns the traceparent the echo upstream received.</summary>
    private async Task<string?> UpstreamTraceparentAsync(string path, string? traceparent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_traffic}{path}");
        if (traceparent is not null) { request.Headers.Add("traceparent", traceparent); }
        using var response = await _http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return echo.RootElement.GetProperty("headers").TryGetProperty("traceparent", out var value) ? value.GetString() : null;
    }
}
