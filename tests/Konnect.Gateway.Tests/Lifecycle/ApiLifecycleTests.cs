using System.Net;
using Microsoft.AspNetCore.Http;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Policies;
using Konnect.Model;

namespace Konnect.Gateway.Tests.Lifecycle;

/// <summary>
/// spec.api's lifecycle over real sockets: a deprecated version's answers carry Deprecation (RFC 9745), Sunset
/// (RFC 8594) and Link, whoever made them; a retired version, or one past a sunset its route enforces, is answered 410
/// naming the successor; and /metrics counts who still calls such versions, by consumer.
/// </summary>
public sealed class ApiLifecycleTests
{
    // RFC 9745 section 2.1's example, 2023-06-30T23:59:59Z, and RFC 8594 section 3's, 2018-12-31T23:59:59Z (which the RFC
    // writes "Sat, 31 Dec 2018 23:59:59 GMT"; that day was a Monday, and an IMF-fixdate names the right one).
    private static readonly DateTimeOffset Rfc9745Example = new(2023, 6, 30, 23, 59, 59, TimeSpan.Zero);
    private static readonly DateTimeOffset Rfc8594Example = new(2018, 12, 31, 23, 59, 59, TimeSpan.Zero);
    private static readonly DateTimeOffset NextCentury = new(2126, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ApiModel Deprecated(DateTimeOffset? sunset = null, bool enforce = false) => new()
    {
        Name = "orders", Version = "v1", State = ApiState.Deprecated, DeprecatedAt = Rfc9745Example, SunsetAt = sunset,
        EnforceSunset = enforce, Successor = "https://api.example.com/v2", Documentation = "https://developer.example.com/deprecation",
    };

    [Fact]
    public async Task Deprecated_EveryAnswer_CarriesDeprecationSunsetAndLinkAsTheRfcsWriteThem()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Routes.Route("v1", backend.Url()) with { Api = Deprecated(NextCentury) });

        using var response = await gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        TestGateway.AssertFromUpstream(response);
        Assert.Equal("@1688169599", Assert.Single(response.Headers.GetValues("Deprecation")));
        Assert.Equal("Tue, 01 Jan 2126 00:00:00 GMT", Assert.Single(response.Headers.GetValues("Sunset")));
        Assert.Equal("<https://api.example.com/v2>; rel=\"successor-version\", <https://developer.example.com/deprecation>; rel=\"deprecation\"",
            string.Join(", ", response.Headers.GetValues("Link")));
    }

    [Fact]
    public async Task Sunset_FormattedAsAnHttpDate_TheRfc8594Example()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        var api = Deprecated() with { DeprecatedAt = Rfc8594Example.AddMonths(-6), SunsetAt = Rfc8594Example, Successor = null, Documentation = null };
        await gateway.PublishAsync(Routes.Route("v1", backend.Url()) with { Api = api });

        using var response = await gateway.GetAsync("/orders");

        // Not enforced: past its sunset the version is still served, and says so.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Mon, 31 Dec 2018 23:59:59 GMT", Assert.Single(response.Headers.GetValues("Sunset")));
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task Deprecated_UpstreamsOwnLink_KeptBesideTheGatewaysAndItsDeprecationReplaced()
    {
        await using var backend = await ScriptedBackend.StartAsync(context =>
        {
            context.Response.Headers["Link"] = "</orders?page=2>; rel=\"next\"";
            context.Response.Headers["Deprecation"] = "@0";
            return context.Response.WriteAsync("page 1");
        });
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Routes.Route("v1", backend.Url()) with { Api = Deprecated() });

        using var response = await gateway.GetAsync("/orders");

        Assert.Equal("page 1", await response.Content.ReadAsStringAsync());
        Assert.Equal("@1688169599", Assert.Single(response.Headers.GetValues("Deprecation")));
        var links = string.Join(", ", response.Headers.GetValues("Link"));
        Assert.Contains("</orders?page=2>; rel=\"next\"", links, StringComparison.Ordinal);
        Assert.Contains("<https://api.example.com/v2>; rel=\"successor-version\"", links, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deprecated_AnswerThePolicyMakes_CarriesTheHeadersToo()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await AuthenticationTests.StartAsync(
            AuthenticationTests.Protected(backend, AuthenticationTests.ApiKey) with { Api = Deprecated(NextCentury) });

        using var response = await gateway.GetAsync("/auth");

        await TestGateway.ProblemAsync(response, Problem.Unauthorized);
        Assert.Equal("@1688169599", Assert.Single(response.Headers.GetValues("Deprecation")));
        Assert.Equal("Tue, 01 Jan 2126 00:00:00 GMT", Assert.Single(response.Headers.GetValues("Sunset")));
    }

    [Fact]
    public async Task Retired_Answers410NamingTheSuccessor_UpstreamNeverCalled()
    {
        await using var backend = await ScriptedBackend.StartAsync(context => context.Response.WriteAsync("still here"));
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Routes.Route("v1", backend.Url()) with { Api = Deprecated() with { State = ApiState.Retired } });

        using var response = await gateway.GetAsync("/orders");

        var problem = await TestGateway.ProblemAsync(response, Problem.ApiGone);
        Assert.Equal("API orders v1 is retired; use its successor https://api.example.com/v2.", problem.GetProperty("detail").GetString());
        Assert.Contains("<https://api.example.com/v2>; rel=\"successor-version\"", string.Join(", ", response.Headers.GetValues("Link")), StringComparison.Ordinal);
        Assert.Equal(0, backend.RequestCount);
    }

    [Fact]
    public async Task Retired_WithoutAnyEndpoint_Still410_Not503()
    {
        await using var gateway = await TestGateway.StartAsync();
        // A retired version whose Service was deleted: the translator marks the rule unavailable.
        await gateway.PublishAsync(Routes.Route("v1", "http://127.0.0.1:1") with
        {
            Backends = [], Unavailable = new Unavailable("BackendNotFound", "Service shop/orders-v1 not found"),
            Api = Deprecated() with { State = ApiState.Retired },
        });

        using var response = await gateway.GetAsync("/orders");

        await TestGateway.ProblemAsync(response, Problem.ApiGone);
    }

    [Fact]
    public async Task EnforcedSunset_Past_Answers410_Future_Served()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(
            Routes.Route("past", backend.Url(), Routes.Prefix("/past")) with { Api = Deprecated(Rfc9745Example.AddDays(1), enforce: true) },
            Routes.Route("future", backend.Url(), Routes.Prefix("/future")) with { Api = Deprecated(NextCentury, enforce: true) });

        using var past = await gateway.GetAsync("/past");
        using var future = await gateway.GetAsync("/future");

        var problem = await TestGateway.ProblemAsync(past, Problem.ApiGone);
        Assert.Equal("API orders v1 reached its sunset on Sat, 01 Jul 2023 23:59:59 GMT; use its successor https://api.example.com/v2.",
            problem.GetProperty("detail").GetString());
        Assert.Equal("Sat, 01 Jul 2023 23:59:59 GMT", Assert.Single(past.Headers.GetValues("Sunset")));
        Assert.Equal(HttpStatusCode.OK, future.StatusCode);
        TestGateway.AssertFromUpstream(future);
    }

    [Fact]
    public async Task Published_NoLifecycleHeaders()
    {
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Routes.Route("v2", backend.Url()) with { Api = new ApiModel { Name = "orders", Version = "v2" } });

        using var response = await gateway.GetAsync("/orders");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Deprecation"));
        Assert.False(response.Headers.Contains("Sunset"));
        Assert.False(response.Headers.Contains("Link"));
    }

    [Fact]
    public async Task Metrics_CallsToDeprecatedAndRetiredVersions_CountedByConsumer()
    {
        await using var backend = await TestBackend.StartAsync();
        var deprecated = AuthenticationTests.Protected(backend, AuthenticationTests.ApiKey) with { Matches = [Routes.Prefix("/auth")], Api = Deprecated() };
        var retired = Routes.Route("v0", backend.Url(), Routes.Prefix("/v0")) with
        {
            Policies = deprecated.Policies, Api = Deprecated() with { Version = "v0", State = ApiState.Retired },
        };
        var published = Routes.Route("v2", backend.Url(), Routes.Prefix("/v2")) with { Api = new ApiModel { Name = "orders", Version = "v2" } };
        await using var gateway = await AuthenticationTests.StartAsync(deprecated, retired, published);

        for (var i = 0; i < 3; i++) { (await gateway.GetAsync("/auth", headers: [("x-api-key", AuthenticationTests.AcmeKey)])).Dispose(); }
        (await gateway.GetAsync("/v0", headers: [("x-api-key", AuthenticationTests.AcmeKey)])).Dispose();
        (await gateway.GetAsync("/auth")).Dispose();
        (await gateway.GetAsync("/v2")).Dispose();
        var metrics = await gateway.Admin.GetStringAsync("/metrics");
        var deprecatedSeries = string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith("konnect_deprecated_api_requests_total{", StringComparison.Ordinal)));

        Assert.Contains("konnect_deprecated_api_requests_total{api=\"orders\",consumer=\"partners/acme\",namespace=\"test\",route=\"auth\",version=\"v1\"} 3", deprecatedSeries, StringComparison.Ordinal);
        Assert.Contains("konnect_deprecated_api_requests_total{api=\"orders\",consumer=\"partners/acme\",namespace=\"test\",route=\"v0\",version=\"v0\"} 1", deprecatedSeries, StringComparison.Ordinal);
        Assert.Contains("konnect_deprecated_api_requests_total{api=\"orders\",consumer=\"\",namespace=\"test\",route=\"auth\",version=\"v1\"} 1", deprecatedSeries, StringComparison.Ordinal);
        Assert.DoesNotContain("version=\"v2\"", deprecatedSeries, StringComparison.Ordinal);
    }
}
