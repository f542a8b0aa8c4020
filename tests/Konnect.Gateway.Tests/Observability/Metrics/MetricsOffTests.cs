using System.Net;
using System.Text.Json;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Observability.Metrics;

/// <summary>
/// GatewayOptions.Metrics = false (konnect run --metrics off): /metrics says metrics are off, and the access log, which
/// shares the request-observing step with the metrics, still writes every field, upstream timing included.
/// </summary>
public sealed class MetricsOffTests
{
    [Fact]
    public async Task MetricsOff_AccessLogOn_MetricsAnswer404AndAccessLogKeepsUpstreamFields()
    {
        await using var backend = await TestBackend.StartAsync();
        var gateway = await TestGateway.StartAsync(configure: o => o.Metrics = false);
        await gateway.PublishAsync(Route("a", backend.Url("/a"), Prefix("/a")));
        string id;
        using (var ok = await gateway.GetAsync("/a/x"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            id = ok.Headers.GetValues("x-request-id").Single();
        }

        using (var metrics = await gateway.Admin.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
            var problem = await TestGateway.ProblemAsync(metrics);
            Assert.StartsWith("Metrics are off", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await gateway.DisposeAsync();
        // This request's line: under load the log may also hold a line of the gateway's own start-up wait.
        var line = JsonDocument.Parse(gateway.AccessLog.Lines.Single(l => l.Contains(id, StringComparison.Ordinal))).RootElement;
        Assert.Equal(id, line.GetProperty("requestId").GetString());
        Assert.Equal(200, line.GetProperty("status").GetInt32());
        Assert.Equal("a", line.GetProperty("backend").GetString());
        Assert.True(line.GetProperty("upstreamMs").GetDouble() >= 0);
    }
}
