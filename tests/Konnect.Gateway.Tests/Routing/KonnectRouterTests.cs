using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Routing;

public sealed class KonnectRouterTests : GatewayTest
{
    [Fact]
    public async Task Match_ExactPrefixAndRegex_LowestRankWins()
    {
        await Gateway.PublishAsync(
            Route("prefix", Backend.Url("/p"), Prefix("/a", rank: 2)),
            Route("exact", Backend.Url("/e"), Exact("/a/b", rank: 0)),
            Route("regex", Backend.Url("/r"), Regex("/a/[a-z]+", rank: 1)));

        Assert.Equal("/e/a/b", await Gateway.BodyAsync("/a/b"));
        Assert.Equal("/r/a/c", await Gateway.BodyAsync("/a/c"));
        Assert.Equal("/p/a/1", await Gateway.BodyAsync("/a/1"));
        Assert.Equal("/p/a", await Gateway.BodyAsync("/a"));
        // Regex is a whole-path match: "/a/c/d" is not "/a/[a-z]+".
        Assert.Equal("/p/a/c/d", await Gateway.BodyAsync("/a/c/d"));
    }

    [Fact]
    public async Task Match_PathPrefix_MatchesWholeElementsOnly()
    {
        await Gateway.PublishAsync(Route("orders", Backend.Url("/o"), Prefix("/orders")));

        Assert.Equal("/o/orders", await Gateway.BodyAsync("/orders"));
        Assert.Equal("/o/orders/", await Gateway.BodyAsync("/orders/"));
        Assert.Equal("/o/orders/1", await Gateway.BodyAsync("/orders/1"));
        Assert.Equal("404", await Gateway.BodyAsync("/ordersx"));
        Assert.Equal("404", await Gateway.BodyAsync("/Orders"));
    }

    [Fact]
    public async Task Match_ExactPath_IsCaseSensitiveAndWhole()
    {
        await Gateway.PublishAsync(Route("exact", Backend.Url("/e"), Exact("/health")));

        Assert.Equal("/e/health", await Gateway.BodyAsync("/health"));
        Assert.Equal("404", await Gateway.BodyAsync("/health/"));
        Assert.Equal("404", await Gateway.BodyAsync("/HEALTH"));
    }

    [Fact]
    public async Task Match_Hosts_PicksMostSpecificBucketWithoutFallThrough()
    {
        await Gateway.PublishAsync(
            Route("exact", Backend.Url("/exact"), Prefix("/only")) with { Hosts = ["api.example.com"] },
            Route("wild", Backend.Url("/wild")) with { Hosts = ["*.example.com"] },
            Route("deep", Backend.Url("/deep")) with { Hosts = ["*.eu.example.com"] },
            Route("any", Backend.Url("/any")));

        Assert.Equal("/exact/only", await Gateway.BodyAsync("/only", host: "api.example.com"));
        Assert.Equal("/exact/only", await Gateway.BodyAsync("/only", host: "API.Example.COM:8080"));
        // The exact host's bucket has no "/other": no fall-through to "*.example.com" or the any-host rule.
        Assert.Equal("404", await Gateway.BodyAsync("/other", host: "api.example.com"));
        Assert.Equal("/wild/x", await Gateway.BodyAsync("/x", host: "shop.example.com"));
        Assert.Equal("/wild/x", await Gateway.BodyAsync("/x", host: "a.b.example.com"));
        Assert.Equal("/deep/x", await Gateway.BodyAsync("/x", host: "shop.eu.example.com"));
        // A wildcard needs at least one label in front of its suffix.
        Assert.Equal("/any/x", await Gateway.BodyAsync("/x", host: "example.com"));
        Assert.Equal("/any/x", await Gateway.BodyAsync("/x", host: "other.test"));
    }

    [Fact]
    public async Task Match_MethodsHeadersAndQuery_AllMustMatch()
    {
        var canary = Prefix("/api") with
        {
            Methods = ["POST", "PUT"],
            Headers = [new ValueMatchModel("x-canary", ValueKind.Exact, "true"), new ValueMatchModel("x-tier", ValueKind.RegularExpression, "gold|silver")],
            Query = [new ValueMatchModel("version", ValueKind.RegularExpression, "[23]"), new ValueMatchModel("env", ValueKind.Exact, "pr od")],
        };
        await Gateway.PublishAsync(
            Route("canary", Backend.Url("/c"), canary),
            Route("default", Backend.Url("/d"), Prefix("/api", rank: 1)));

        (string, string)[] headers = [("X-Canary", "true"), ("x-tier", "gold")];
        Assert.Equal("/c/api?version=3&env=pr+od", await Gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Post, headers: headers));
        Assert.Equal("/c/api?env=pr%20od&version=2", await Gateway.BodyAsync("/api?env=pr%20od&version=2", method: HttpMethod.Put, headers: headers));
        Assert.Equal("/d/api?version=3&env=pr+od", await Gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Get, headers: headers));
        Assert.Equal("/d/api?version=3&env=pr+od", await Gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Post, headers: [("x-canary", "TRUE"), ("x-tier", "gold")]));
        Assert.Equal("/d/api?version=3&env=pr+od", await Gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Post, headers: [("x-canary", "true"), ("x-tier", "golden")]));
        Assert.Equal("/d/api?version=4&env=pr+od", await Gateway.BodyAsync("/api?version=4&env=pr+od", method: HttpMethod.Post, headers: headers));
        // Query names are case-sensitive, and only the first "version" counts.
        Assert.Equal("/d/api?Version=3&env=pr+od", await Gateway.BodyAsync("/api?Version=3&env=pr+od", method: HttpMethod.Post, headers: headers));
        Assert.Equal("/d/api?version=9&version=3&env=pr+od", await Gateway.BodyAsync("/api?version=9&version=3&env=pr+od", method: HttpMethod.Post, headers: headers));
    }

    [Fact]
    public async Task Route_Unavailable_Answers503AndDoesNotFallThrough()
    {
        var secure = Route("secure", Backend.Url("/s"), Prefix("/secure")) with
        {
            Unavailable = new Unavailable("PolicyNotReady", "Policy 'test/jwt' could not load its JWKS."),
        };
        await Gateway.PublishAsync(secure, Route("root", Backend.Url("/root"), Prefix("/", rank: 1)));

        using var response = await Gateway.GetAsync("/secure/data");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response, Problem.RouteUnavailable);
        Assert.Contains("PolicyNotReady", problem.GetProperty("detail").GetString());
        Assert.Contains("JWKS", problem.GetProperty("detail").GetString());
        Assert.Equal("/root/other", await Gateway.BodyAsync("/other"));
    }

    [Fact]
    public async Task Route_WithoutEndpoints_Answers503()
    {
        var empty = Route("empty", Backend.Url()) with { Backends = [new BackendModel { Name = "svc:80", Weight = 1, Endpoints = [] }] };
        await Gateway.PublishAsync(empty);

        using var response = await Gateway.GetAsync("/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("NoReadyEndpoints", (await TestGateway.ProblemAsync(response, Problem.RouteUnavailable)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Route_NoMatch_Answers404ProblemWithRequestId()
    {
        await Gateway.PublishAsync(Route("a", Backend.Url(), Prefix("/a")));

        using var response = await Gateway.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response);
        Assert.Equal("/nothing-here", problem.GetProperty("instance").GetString());
        Assert.Equal(32, problem.GetProperty("requestId").GetString()!.Length);
        Assert.False(response.Headers.Contains("Server"));
    }
}
