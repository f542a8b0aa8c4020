using System.Net;
using System.Text.Json;
using Konnect.Gateway.Observability.Analytics;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Policies;
using Konnect.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Portal;

/// <summary>
/// Call analytics over real sockets: calls to a listed API are counted in the current minute by version, consumer and
/// status, with the gateway's refusals named; the portal serves them as JSON, CSV and a chart whose bars add up to the
/// calls made; filters narrow them; hidden APIs are not recorded; and with analytics off nothing is.
/// </summary>
public sealed class PortalAnalyticsTests
{
    private static ApiModel Api(string version, bool listed = true) => new() { Name = "orders", Version = version, Listed = listed };

    private static async Task<(TestGateway Gateway, HttpClient Portal)> StartAsync(TestBackend backend, TestBackend failing, bool analytics = true, bool listed = true,
        PortalConsumerNames consumerNames = PortalConsumerNames.Everyone)
    {
        var gateway = await TestGateway.StartAsync(configure: o =>
        {
            o.PortalUrls = "http://127.0.0.1:0";
            o.Analytics = analytics;
            o.PortalConsumerNames = consumerNames;
        });
        var v2 = Routes.Route("orders-v2", backend.Url(), Routes.Prefix("/v2")) with
        {
            Api = Api("v2", listed),
            Policies = new PoliciesModel { Authentication = AuthenticationTests.ApiKey with { AnonymousConsumer = null } },
        };
        // v1's upstream answers 503 to everything: errors the upstream gave, not the gateway.
        var v1 = Routes.Route("orders-v1", failing.Url(), Routes.Prefix("/v1")) with { Api = Api("v1", listed) };
        var model = TestGateway.Model(v2, v1) with { Consumers = [AuthenticationTests.Acme] };
        Assert.True((await gateway.Publisher.PublishAsync(model, CancellationToken.None)).Applied);
        return (gateway, gateway.PortalClient());
    }

    /// <summary>5 calls by acme (200), 2 without a key (401, the gateway's refusal), 3 to v1 (503 from its upstream).</summary>
    private static async Task CallAsync(TestGateway gateway, TestBackend failing)
    {
        for (var i = 0; i < 5; i++)
        {
            using var ok = await gateway.GetAsync("/v2/orders", headers: ("x-api-key", AuthenticationTests.AcmeKey));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        for (var i = 0; i < 2; i++) { using var refused = await gateway.GetAsync("/v2/orders"); Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode); }
        failing.ForcedStatus = 503;
        for (var i = 0; i < 3; i++) { using var down = await gateway.GetAsync("/v1/orders"); Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode); }
        // A call is recorded once it has ended on the gateway, just after its answer was sent.
        await Konnect.Testing.Repo.EventuallyAsync(() => Task.FromResult(gateway.AccessLog.Lines.Count >= 10), "ten calls ended");
    }

    /// <summary>A gateway with the portal, its two upstreams, and the ten calls of <see cref="CallAsync"/> made.</summary>
    private sealed class Called(TestBackend backend, TestBackend failing, TestGateway gateway, HttpClient portal) : IAsyncDisposable
    {
        public HttpClient Portal => portal;

        public static async Task<Called> StartAsync(PortalConsumerNames consumerNames = PortalConsumerNames.Everyone)
        {
            var backend = await TestBackend.StartAsync();
            var failing = await TestBackend.StartAsync();
            var (gateway, portal) = await PortalAnalyticsTests.StartAsync(backend, failing, consumerNames: consumerNames);
            await CallAsync(gateway, failing);
            return new Called(backend, failing, gateway, portal);
        }

        public async ValueTask DisposeAsync()
        {
            portal.Dispose();
            await gateway.DisposeAsync();
            await failing.DisposeAsync();
            await backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Json_CountsByStatusConsumerAndRefusal_WithLatencyAndBytes()
    {
        await using var calls = await Called.StartAsync();
        var portal = calls.Portal;

        using var json = JsonDocument.Parse(await portal.GetStringAsync("/api/analytics/test/orders"));

        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal((10, 5, 5, 0, 2, 3), (totals.GetProperty("requests").GetInt32(), totals.GetProperty("errors").GetInt32(),
            totals.GetProperty("status2xx").GetInt32(), totals.GetProperty("status3xx").GetInt32(), totals.GetProperty("status4xx").GetInt32(),
            totals.GetProperty("status5xx").GetInt32()));
        Assert.True(totals.GetProperty("p50Ms").GetDouble() > 0);
        Assert.True(totals.GetProperty("bytesOut").GetInt64() > 0);
        Assert.Equal(10, json.RootElement.GetProperty("minutes").EnumerateArray().Sum(m => m.GetProperty("figures").GetProperty("requests").GetInt32()));
        Assert.Equal(["(none):5", "partners/acme:5"] /* a tie: by name, none first */, json.RootElement.GetProperty("topConsumers").EnumerateArray()
            .Select(c => $"{(c.TryGetProperty("consumer", out var name) ? name.GetString() : "(none)")}:{c.GetProperty("figures").GetProperty("requests").GetInt32()}"));
        Assert.Equal(["503:3", "401 unauthorized:2"], json.RootElement.GetProperty("topErrors").EnumerateArray()
            .Select(e => $"{e.GetProperty("status").GetInt32()}{(e.TryGetProperty("problem", out var p) ? " " + p.GetString() : "")}:{e.GetProperty("requests").GetInt32()}"));
    }

    [Theory]
    [InlineData("?version=v1", 3)]
    [InlineData("?version=v2", 7)]
    [InlineData("?consumer=partners/acme", 5)]
    [InlineData("?class=4xx", 2)]
    [InlineData("?class=5", 3)]
    public async Task Filters_NarrowTheReport(string query, int expected)
    {
        await using var calls = await Called.StartAsync();
        var portal = calls.Portal;

        using var json = JsonDocument.Parse(await portal.GetStringAsync("/api/analytics/test/orders" + query));

        Assert.Equal(expected, json.RootElement.GetProperty("totals").GetProperty("requests").GetInt32());
    }

    [Fact]
    public async Task Csv_OneRowPerMinute_AndThePageChart_AddUpToTheCalls()
    {
        await using var calls = await Called.StartAsync();
        var portal = calls.Portal;

        var csv = (await portal.GetStringAsync("/api/analytics/test/orders.csv")).TrimEnd('\n').Split('\n');
        var page = await portal.GetStringAsync("/apis/test/orders");

        Assert.Equal("minute,requests,errors,status_2xx,status_3xx,status_4xx,status_5xx,p50_ms,p95_ms,p99_ms,bytes_in,bytes_out,tokens_in,tokens_out,cost", csv[0]);
        Assert.Equal(10, csv.Skip(1).Sum(row => int.Parse(row.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("<svg class=\"chart calls\" role=\"img\" viewBox=\"0 0 720 160\" data-requests=\"10\"", page);
        Assert.Equal(10, System.Text.RegularExpressions.Regex.Matches(page, "<g class=\"minute\" data-minute=\"[0-9:]+\" data-requests=\"([0-9]+)\"")
            .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("<td>partners/acme</td><td>5</td>", page);
        Assert.Contains("<td>401</td><td>unauthorized</td><td>2</td>", page);
    }

    [Fact]
    public async Task ConsumerNames_ByDefaultOnlyForTheApisNamespace_OthersSeeTotalsOnly()
    {
        await using var calls = await Called.StartAsync(PortalConsumerNames.Namespace);
        var portal = calls.Portal;

        // acme is a consumer of namespace partners; the API is in namespace test.
        using var anonymous = JsonDocument.Parse(await portal.GetStringAsync("/api/analytics/test/orders?consumer=partners/acme"));
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/analytics/test/orders");
        request.Headers.Add("x-api-key", AuthenticationTests.AcmeKey);
        using var otherTenant = JsonDocument.Parse(await (await portal.SendAsync(request)).Content.ReadAsStringAsync());
        var page = await portal.GetStringAsync("/apis/test/orders");

        Assert.Empty(anonymous.RootElement.GetProperty("topConsumers").EnumerateArray());
        Assert.Equal(10, anonymous.RootElement.GetProperty("totals").GetProperty("requests").GetInt32()); // the filter is ignored
        Assert.Empty(otherTenant.RootElement.GetProperty("topConsumers").EnumerateArray());
        Assert.DoesNotContain("partners/acme", page);
        Assert.Contains("Who calls this API is shown to consumers of namespace test", page);
    }

    [Fact]
    public async Task HiddenApi_NotRecorded_AnalyticsOff_NothingRecorded()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var failing = await TestBackend.StartAsync();
        var (hidden, hiddenPortal) = await StartAsync(backend, failing, listed: false);
        var (off, offPortal) = await StartAsync(backend, failing, analytics: false);
        await using var _ = hidden;
        await using var __ = off;
        using var ___ = hiddenPortal;
        using var ____ = offPortal;
        await CallAsync(hidden, failing);
        await CallAsync(off, failing);

        Assert.Equal(0, hidden.Services.GetRequiredService<CallAnalytics>().Bytes);
        Assert.Equal(0, off.Services.GetRequiredService<CallAnalytics>().Bytes);
        Assert.Equal(HttpStatusCode.NotFound, (await offPortal.GetAsync("/api/analytics/test/orders")).StatusCode);
        Assert.DoesNotContain("id=\"calls\"", await offPortal.GetStringAsync("/apis/test/orders"));
    }
}
