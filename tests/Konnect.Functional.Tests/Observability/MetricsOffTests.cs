using System.Net;
using System.Text.Json;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;

namespace Konnect.Functional.Tests.Observability;

/// <summary>
/// `konnect run --metrics off --access-log off`, the leanest request path (the one `make bench` compares with nginx):
/// traffic is still proxied with its request id, the gateway's own answers are still problem documents, /metrics
/// says metrics are off, and stdout carries no access-log line.
/// </summary>
public sealed class MetricsOffTests : IAsyncLifetime
{
    private readonly FolderModeHost _host = new("konnect-metrics-off-");

    public async Task InitializeAsync()
    {
        Repo.WriteOrdersRoute(_host.Dir, _host.Upstream);
        await _host.StartAsync("orders", "--metrics", "off", "--access-log", "off");
    }

    public Task DisposeAsync() => _host.DisposeAsync().AsTask();

    [Fact]
    public async Task Run_MetricsAndAccessLogOff_ProxiesWithRequestIdAndMetricsAnswer404()
    {
        await Repo.EventuallyAsync(async () => (await _host.Http.GetAsync($"http://127.0.0.1:{_host.Traffic}/orders/1")).StatusCode == HttpStatusCode.OK, "route served");
        using (var ok = await _host.Http.GetAsync($"http://127.0.0.1:{_host.Traffic}/orders/2"))
        {
            using var echo = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
            Assert.Equal(ok.Headers.GetValues("x-request-id").Single(), echo.RootElement.GetProperty("headers").GetProperty("x-request-id").GetString());
        }

        using (var missing = await _host.Http.GetAsync($"http://127.0.0.1:{_host.Traffic}/nowhere"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        }

        using var metrics = await _host.Http.GetAsync($"http://127.0.0.1:{_host.Admin}/metrics");
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal("application/problem+json", metrics.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await metrics.Content.ReadAsStringAsync());
        Assert.StartsWith("Metrics are off", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("{\"time\"", _host.Output, StringComparison.Ordinal);
    }
}
