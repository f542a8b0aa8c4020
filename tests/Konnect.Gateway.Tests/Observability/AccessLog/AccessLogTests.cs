using System.Net;
using System.Text.Json;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Policies;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Observability.AccessLog;

/// <summary>
/// The access log over real sockets. Each test stops its gateway before reading the log: the server drains its
/// requests first and the writer then flushes everything queued, so the lines are complete without polling.
/// </summary>
public sealed class AccessLogTests
{
    private static List<JsonElement> Parse(TestGateway gateway) =>
        [.. gateway.AccessLog.Lines.Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    [Fact]
    public async Task AccessLog_ProxiedAndRefusedRequests_OneJsonLineEachWithTheirFields()
    {
        await using var backend = await TestBackend.StartAsync();
        var gateway = await AuthenticationTests.StartAsync(AuthenticationTests.Protected(backend, AuthenticationTests.ApiKey));
        string okId, refusedId;
        long okBytes;
        using (var ok = await gateway.GetAsync("/x/headers?a=1", headers: [("x-api-key", AuthenticationTests.AcmeKey)]))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            okId = ok.Headers.GetValues("x-request-id").Single();
            okBytes = (await ok.Content.ReadAsByteArrayAsync()).Length;
        }

        using (var refused = await gateway.GetAsync("/x", headers: [("x-api-key", "not-a-key")]))
        {
            refusedId = refused.Headers.GetValues("x-request-id").Single();
        }

        var port = gateway.Traffic.BaseAddress!.Port;
        await gateway.DisposeAsync();
        var lines = Parse(gateway);

        Assert.Equal(2, lines.Count);
        var line = lines.Single(l => l.GetProperty("requestId").GetString() == okId);
        Assert.True(DateTimeOffset.UtcNow - line.GetProperty("time").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
        Assert.Equal("127.0.0.1", line.GetProperty("client").GetString());
        Assert.Equal("GET", line.GetProperty("method").GetString());
        Assert.Equal($"127.0.0.1:{port}", line.GetProperty("host").GetString());
        Assert.Equal("/x/headers", line.GetProperty("path").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Equal(okBytes, line.GetProperty("bytesSent").GetInt64());
        Assert.True(line.GetProperty("upstreamMs").GetDouble() >= 0);
        Assert.True(line.GetProperty("durationMs").GetDouble() >= line.GetProperty("upstreamMs").GetDouble());
        Assert.Equal("test/auth", line.GetProperty("route").GetString());
        Assert.Equal("auth", line.GetProperty("backend").GetString());
        Assert.Equal("partners/acme", line.GetProperty("consumer").GetString());
        Assert.Equal(JsonValueKind.Null, line.GetProperty("problem").ValueKind);

        var refusedLine = lines.Single(l => l.GetProperty("requestId").GetString() == refusedId);
        Assert.Equal(401, refusedLine.GetProperty("status").GetInt32());
        Assert.Equal("unauthorized", refusedLine.GetProperty("problem").GetString());
        Assert.Equal(JsonValueKind.Null, refusedLine.GetProperty("upstreamMs").ValueKind);
        Assert.Equal(JsonValueKind.Null, refusedLine.GetProperty("consumer").ValueKind);
        Assert.Equal(JsonValueKind.Null, refusedLine.GetProperty("backend").ValueKind);
    }

    [Fact]
    public async Task AccessLog_ApiKeyInQueryAndHeader_NeverLogged()
    {
        await using var backend = await TestBackend.StartAsync();
        var gateway = await AuthenticationTests.StartAsync(AuthenticationTests.Protected(backend, AuthenticationTests.ApiKey));
        var key = AuthenticationTests.AcmeKey;

        (await gateway.GetAsync($"/x?apikey={key}&b=2")).Dispose();
        (await gateway.GetAsync($"/x?APIKEY={key}", headers: [("x-api-key", key)])).Dispose();
        (await gateway.GetAsync($"/x?apikey={key}x", headers: [("x-api-key", key + "x")])).Dispose();
        (await gateway.GetAsync($"/x/{Uri.EscapeDataString("?")}?apikey={key}")).Dispose();
        await gateway.DisposeAsync();

        var text = string.Join('\n', gateway.AccessLog.Lines);
        Assert.Equal(4, gateway.AccessLog.Lines.Count);
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain("apikey", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AccessLog_Off_WritesNothingButMetricsStillCount()
    {
        await using var backend = await TestBackend.StartAsync();
        var gateway = await TestGateway.StartAsync(configure: o => o.AccessLog = false);
        await gateway.PublishAsync(Route("a", backend.Url("/a")));

        (await gateway.GetAsync("/a")).Dispose();
        var scrape = await Metrics.MetricsEndpointTests.ScrapeAsync(gateway, s => s["konnect_http_requests_total{code=\"200\",method=\"GET\",namespace=\"test\",route=\"a\"}"] == 1);
        await gateway.DisposeAsync();

        Assert.Equal(1, scrape["konnect_http_requests_total{code=\"200\",method=\"GET\",namespace=\"test\",route=\"a\"}"]);
        Assert.Empty(gateway.AccessLog.Lines);
    }

    [Fact]
    public async Task AccessLog_SampleRatioZero_WritesNothing_RatioOne_WritesEveryRequest()
    {
        await using var backend = await TestBackend.StartAsync();
        var none = await TestGateway.StartAsync(configure: o => o.AccessLogSampleRatio = 0);
        var all = await TestGateway.StartAsync(configure: o => o.AccessLogSampleRatio = 1);
        await none.PublishAsync(Route("a", backend.Url("/a")));
        await all.PublishAsync(Route("a", backend.Url("/a")));

        for (var i = 0; i < 5; i++)
        {
            (await none.GetAsync("/a")).Dispose();
            (await all.GetAsync("/a")).Dispose();
        }

        await none.DisposeAsync();
        await all.DisposeAsync();

        Assert.Empty(none.AccessLog.Lines);
        Assert.Equal(5, all.AccessLog.Lines.Count);
    }
}
