using System.Text.Json;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;
using Konnect.Testing.Metrics;

namespace Konnect.Functional.Tests.Observability;

/// <summary>
/// /metrics and the access log of the real binary in folder mode: exact request, auth and consumer counters after
/// known traffic, the control-plane gauges, promtool on the real scrape, and JSON access-log lines on stdout that
/// never carry the API key, whether it came in the query or a header; with --log-format json the control plane's log
/// lines are JSON as well. Tracing is off here: the client's traceparent travels to the upstream untouched.
/// </summary>
public sealed class ObservabilityTests : IAsyncLifetime
{
    private const string Key = "sk-obs-5c1d7e9a3f";
    private readonly FolderModeHost _host = new("konnect-obs-");

    public async Task InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_host.Dir, "api.yaml"), $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: acme-key, namespace: partners }
            stringData: { api-key: "{{Key}}" }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectConsumer
            metadata: { name: acme, namespace: partners }
            spec:
              credentials: { apiKeys: [{ secretName: acme-key }] }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: keys, namespace: shop }
            spec:
              authentication: { apiKey: { header: x-api-key, query: api_key } }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders, namespace: shop }
            spec:
              policies: [keys]
              rules:
                - matches: [{ path: { value: /orders } }]
                  backends: [{ url: "http://127.0.0.1:{{_host.Upstream}}" }]
            """);
        await _host.StartAsync("orders", "--consumer-metrics", "--log-format", "json");
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    [Fact]
    public async Task Run_KnownTraffic_ExactMetricsPromtoolCleanAndKeyNeverInAccessLog()
    {
        Assert.Equal(200, await SendAsync($"/orders/1?api_key={Key}&page=2", header: null));
        Assert.Equal(200, await SendAsync("/orders/2", header: Key));
        Assert.Equal(401, await SendAsync($"/orders/3?api_key={Key}-wrong", header: null));
        Assert.Equal(401, await SendAsync("/orders/4", header: Key + "-wrong"));

        Scrape scrape = null!;
        await Repo.EventuallyAsync(async () =>
        {
            scrape = new Scrape(await _host.Http.GetStringAsync($"http://127.0.0.1:{_host.Admin}/metrics"));
            return scrape.Family("konnect_http_requests_total").Values.Sum() == 4;
        }, "four requests counted");
        var accessLog = await AccessLogLinesAsync(4);

        Assert.Equal(2, scrape["konnect_http_requests_total{code=\"200\",method=\"GET\",namespace=\"shop\",route=\"orders\"}"]);
        Assert.Equal(2, scrape["konnect_http_requests_total{code=\"401\",method=\"GET\",namespace=\"shop\",route=\"orders\"}"]);
        Assert.Equal(2, scrape["konnect_auth_rejected_total{reason=\"unauthorized\"}"]);
        Assert.Equal(2, scrape["konnect_consumer_requests_total{code=\"200\",consumer=\"partners/acme\"}"]);
        Assert.Equal(2, scrape["konnect_upstream_request_duration_seconds_count{backend=\"http://127.0.0.1:" + _host.Upstream + "\",namespace=\"shop\",route=\"orders\"}"]);
        Assert.Equal(1, scrape["konnect_objects{kind=\"KonnectRoute\",state=\"accepted\"}"]);
        Assert.Equal(1, scrape["konnect_objects{kind=\"KonnectPolicy\",state=\"accepted\"}"]);
        Assert.Equal(1, scrape["konnect_objects{kind=\"KonnectConsumer\",state=\"accepted\"}"]);
        Assert.Equal(0, scrape["konnect_objects{kind=\"KonnectRoute\",state=\"rejected\"}"]);
        Assert.True(scrape["konnect_config_applies_total"] >= 1);
        Assert.Equal(scrape["konnect_config_applies_total"], scrape["konnect_config_apply_duration_seconds_count"]);
        Assert.Null(scrape["konnect_leader"]); // folder mode elects no leader

        var (exit, promtool) = await Promtool.CheckMetricsAsync(scrape.Text);
        Assert.True(exit == 0, $"promtool check metrics failed ({exit}): {promtool}\n{scrape.Text}");

        Assert.Equal(["/orders/1", "/orders/2", "/orders/3", "/orders/4"], accessLog.Select(l => l.GetProperty("path").GetString()).Order());
        Assert.Equal(2, accessLog.Count(l => l.GetProperty("consumer").GetString() == "partners/acme"));
        string output;
        output = _host.Output;
        Assert.DoesNotContain(Key, output, StringComparison.Ordinal);
        Assert.DoesNotContain("api_key", output, StringComparison.Ordinal);

        // --log-format json: the control plane's own lines are JSON objects too, with the message's fields.
        var applied = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('{') && l.Contains("Konnect.Controller.Reconciler", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement).First();
        Assert.StartsWith("Applied model", applied.GetProperty("Message").GetString(), StringComparison.Ordinal);
        Assert.True(applied.GetProperty("State").TryGetProperty("Version", out _));

        // Tracing is off (no OTEL_EXPORTER_OTLP_ENDPOINT): the client's trace context reaches the upstream exactly as sent,
        // and the access log names the trace.
        const string traceparent = "00-5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174-01";
        using var traced = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_host.Traffic}/orders/5");
        traced.Headers.Add("x-api-key", Key);
        traced.Headers.Add("traceparent", traceparent);
        using var echoed = await _host.Http.SendAsync(traced);
        using var echo = JsonDocument.Parse(await echoed.Content.ReadAsStringAsync());
        Assert.Equal(traceparent, echo.RootElement.GetProperty("headers").GetProperty("traceparent").GetString());
        var tracedLine = (await AccessLogLinesAsync(5)).Single(l => l.GetProperty("path").GetString() == "/orders/5");
        Assert.Equal("5b8efff798038103d269b633813fc60c", tracedLine.GetProperty("traceId").GetString());
    }

    private async Task<int> SendAsync(string path, string? header)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_host.Traffic}{path}");
        if (header is not null) { request.Headers.Add("x-api-key", header); }
        using var response = await _host.Http.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>The access-log lines on stdout: JSON objects with a requestId, among the console logger's lines.</summary>
    private async Task<List<JsonElement>> AccessLogLinesAsync(int expected)
    {
        var lines = new List<JsonElement>();
        await Repo.EventuallyAsync(() =>
        {
            string output;
            output = _host.Output;
            lines = [.. output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("{\"time\"", StringComparison.Ordinal))
                .Select(l => JsonDocument.Parse(l).RootElement.Clone())];
            return Task.FromResult(lines.Count >= expected);
        }, $"{expected} access-log lines");
        return lines;
    }
}
