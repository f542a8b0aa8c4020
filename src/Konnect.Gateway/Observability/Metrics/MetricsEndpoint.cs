using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Prometheus;

namespace Konnect.Gateway.Observability.Metrics;

/// <summary>
/// /metrics: this gateway's prometheus-net registry, exported in OpenMetrics (application/openmetrics-text 1.0.0,
/// with exemplars) when the scraper's Accept header prefers it to the classic text format, as Prometheus's does, and in
/// the Prometheus text format 0.0.4 otherwise. Written with prometheus-net's own exporter; its ASP.NET Core package
/// is not used, because its middleware brings ASP.NET MVC's assembly into every process that scrapes (1 MiB of RSS).
/// </summary>
internal sealed class MetricsEndpoint(GatewayMetrics metrics)
{
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
            var openMetrics = PrefersOpenMetrics(context.Request);
            context.Response.ContentType = openMetrics
                ? PrometheusConstants.OpenMetricsContentTypeWithVersionAndEncoding
                : PrometheusConstants.TextContentTypeWithVersionAndEncoding;
            await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body,
                openMetrics ? ExpositionFormat.OpenMetricsText : ExpositionFormat.PrometheusText, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The scraper went away mid-answer.
        }
        finally
        {
            metrics.ScrapeCompleted();
            _oneAtATime.Release();
        }
    }

    /// <summary>OpenMetrics when Accept names it with a weight above zero and no lower than any text/plain it names.</summary>
    internal static bool PrefersOpenMetrics(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)) { return false; }
        double open = 0, text = 0;
        foreach (var media in accepted)
        {
            var weight = media.Quality ?? 1;
            if (media.MediaType.Equals(PrometheusConstants.OpenMetricsContentType, StringComparison.OrdinalIgnoreCase)) { open = Math.Max(open, weight); }
            else if (media.MediaType.Equals(PrometheusConstants.TextContentType, StringComparison.OrdinalIgnoreCase)) { text = Math.Max(text, weight); }
        }
        return open > 0 && open >= text;
    }
}
