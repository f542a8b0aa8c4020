using Microsoft.AspNetCore.Http;
using Prometheus;

namespace Konnect.Gateway.Metrics;

/// <summary>
/// /metrics: prometheus-net.AspNetCore's scrape middleware over this gateway's registry. It answers in OpenMetrics
/// (application/openmetrics-text 1.0.0, with exemplars) when the scraper's Accept header prefers it, as Prometheus
/// does when its scrape protocols allow, and in the Prometheus text format 0.0.4 otherwise. The body is streamed.
/// </summary>
internal sealed class MetricsEndpoint(GatewayMetrics metrics)
{
    private readonly MetricServerMiddleware _scrape = new(_ => Task.CompletedTask,
        new MetricServerMiddleware.Settings { Registry = metrics.Registry, EnableOpenMetrics = true });

    // One scrape at a time: each one fills the scrape-time series and drops them when written, and a second scrape
    // running meanwhile would write a half-filled set.
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task ServeAsync(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        try
        {
            await _oneAtATime.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the scraper gave up while another scrape was being written
        }

        try
        {
            await _scrape.Invoke(context);
        }
        finally
        {
            metrics.ScrapeCompleted();
            _oneAtATime.Release();
        }
    }
}
