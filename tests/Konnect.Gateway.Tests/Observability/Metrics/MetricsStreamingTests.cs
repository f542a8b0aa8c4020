using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Metrics;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Observability.Metrics;

/// <summary>
/// A scrape of many routes' series is streamed, not built as one string first: at 10,000 routes the buffered text
/// cost the process over 200 MiB per scrape (issue #9).
/// </summary>
public sealed class MetricsStreamingTests : GatewayTest
{
    [Fact]
    public async Task Metrics_ManyRoutesWithTraffic_StreamedChunkedAndComplete()
    {
        const int routes = 100;
        var models = new RouteModel[routes];
        for (var i = 0; i < routes; i++) { models[i] = Route($"r{i}", Backend.Url(), Prefix($"/r{i}")); }
        await Gateway.PublishAsync(models);
        for (var i = 0; i < routes; i++) { (await Gateway.GetAsync($"/r{i}/x")).Dispose(); }

        // Series of the last request may land a moment after its response: scrape until every route has one.
        for (var attempt = 0; ; attempt++)
        {
            using var response = await Gateway.Admin.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            var scrape = new Scrape(body);
            if (scrape.Family("konnect_http_requests_total").Count < routes && attempt < 100)
            {
                await Task.Delay(50);
                continue;
            }

            // Far more than the writer's 32 KiB buffer, so it went out in pieces, with no length known up front.
            Assert.True(body.Length > 64 * 1024, $"scrape is only {body.Length} characters");
            Assert.True(response.Headers.TransferEncodingChunked);
            Assert.Equal(routes, scrape.Family("konnect_http_requests_total").Count);
            Assert.EndsWith("\n", body, StringComparison.Ordinal);
            return;
        }
    }
}
