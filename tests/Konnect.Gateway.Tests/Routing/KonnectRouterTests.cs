using System.Net;
using Konnect.Controller.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Routing;

public sealed class KonnectRouterTests : IAsyncLifetime
{
    private TestBackend _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = await TestBackend.StartAsync();
        _gateway = await TestGateway.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    [Fact]
    public async Task Match_ExactPrefixAndRegex_LowestRankWins()
    {
        await _gateway.PublishAsync(
            Route("prefix", _backend.Url("/p"), Prefix("/a", rank: 2)),
            Route("exact", _backend.Url("/e"), Exact("/a/b", rank: 0)),
            Route("regex", _backend.Url("/r"), Regex("/a/[a-z]+", rank: 1)));

        Assert.Equal("/e/a/b", await _gateway.BodyAsync("/a/b"));
        Assert.Equal("/r/a/c", await _gateway.BodyAsync("/a/c"));
        Assert.Equal("/p/a/1", await _gateway.BodyAsync("/a/1"));
        Assert.Equal("/p/a", await _gateway.BodyAsync("/a"));
        // Regex is a whole-path match: "/a/c/d" is not "/a/[a-z]+".
        Assert.Equal("/p/a/c/d", await _gateway.BodyAsync("/a/c/d"));
    }

    [Fact]
    public async Task Match_PathPrefix_MatchesWholeElementsOnly()
    {
        await _gateway.PublishAsync(Route("orders", _backend.Url("/o"), Prefix("/orders")));

        Assert.Equal("/o/orders", await _gateway.BodyAsync("/orders"));
        Assert.Equal("/o/orders/", await _gateway.BodyAsync("/orders/"));
        Assert.Equal("/o/orders/1", await _gateway.BodyAsync("/orders/1"));
        Assert.Equal("404", await _gateway.BodyAsync("/ordersx"));
        Assert.Equal("404", await _gateway.BodyAsync("/Orders"));
    }

    [Fact]
    public async Task Match_ExactPath_IsCaseSensitiveAndWhole()
    {
        await _gateway.PublishAsync(Route("exact", _backend.Url("/e"), Exact("/health")));

        Assert.Equal("/e/health", await _gateway.BodyAsync("/health"));
        Assert.Equal("404", await _gateway.BodyAsync("/health/"));
        Assert.Equal("404", await _gateway.BodyAsync("/HEALTH"));
    }

    [Fact]
    public async Task Match_Hosts_PicksMostSpecificBucketWithoutFallThrough()
    {
        await _gateway.PublishAsync(
            Route("exact", _backend.Url("/exact"), Prefix("/only")) with { Hosts = ["api.example.com"] },
            Route("wild", _backend.Url("/wild")) with { Hosts = ["*.example.com"] },
            Route("deep", _backend.Url("/deep")) with { Hosts = ["*.eu.example.com"] },
            Route("any", _backend.Url("/any")));

        Assert.Equal("/exact/only", await _gateway.BodyAsync("/only", host: "api.example.com"));
        Assert.Equal("/exact/only", await _gateway.BodyAsync("/only", host: "API.Example.COM:8080"));
        // The exact host's bucket has no "/other": no fall-through to "*.example.com" or the any-host rule.
        Assert.Equal("404", await _gateway.BodyAsync("/other", host: "api.example.com"));
        Assert.Equal("/wild/x", await _gateway.BodyAsync("/x", host: "shop.example.com"));
        Assert.Equal("/wild/x", await _gateway.BodyAsync("/x", host: "a.b.example.com"));
        Assert.Equal("/deep/x", await _gateway.BodyAsync("/x", host: "shop.eu.example.com"));
        // A wildcard needs at least one label in front of its suffix.
        Assert.Equal("/any/x", await _gateway.BodyAsync("/x", host: "example.com"));
        Assert.Equal("/any/x", await _gateway.BodyAsync("/x", host: "other.test"));
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
        await _gateway.PublishAsync(
            Route("canary", _backend.Url("/c"), canary),
            Route("default", _backend.Url("/d"), Prefix("/api", rank: 1)));

        (string, string)[] headers = [("X-Canary", "true"), ("x-tier", "gold")];
        Assert.Equal("/c/api?version=3&env=pr+od", await _gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Post, headers: headers));
        Assert.Equal("/c/api?env=pr%20od&version=2", await _gateway.BodyAsync("/api?env=pr%20od&version=2", method: HttpMethod.Put, headers: headers));
        Assert.Equal("/d/api?version=3&env=pr+od", await _gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Get, headers: headers));
        Assert.Equal("/d/api?version=3&env=pr+od", await _gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Post, headers: [("x-canary", "TRUE"), ("x-tier", "gold")]));
        Assert.Equal("/d/api?version=3&env=pr+od", await _gateway.BodyAsync("/api?version=3&env=pr+od", method: HttpMethod.Post, headers: [("x-canary", "true"), ("x-tier", "golden")]));
        Assert.Equal("/d/api?version=4&env=pr+od", await _gateway.BodyAsync("/api?version=4&env=pr+od", method: HttpMethod.Post, headers: headers));
        // Query names are case-sensitive, and only the first "version" counts.
        Assert.Equal("/d/api?Version=3&env=pr+od", await _gateway.BodyAsync("/api?Version=3&env=pr+od", method: HttpMethod.Post, headers: headers));
        Assert.Equal("/d/api?version=9&version=3&env=pr+od", await _gateway.BodyAsync("/api?version=9&version=3&env=pr+od", method: HttpMethod.Post, headers: headers));
    }

    [Fact]
    public async Task Route_Unavailable_Answers503AndDoesNotFallThrough()
    {
        var secure = Route("secure", _backend.Url("/s"), Prefix("/secure")) with
        {
            Unavailable = new Unavailable("PolicyNotReady", "Policy 'test/jwt' could not load its JWKS."),
        };
        await _gateway.PublishAsync(secure, Route("root", _backend.Url("/root"), Prefix("/", rank: 1)));

        using var response = await _gateway.GetAsync("/secure/data");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response);
        Assert.Contains("PolicyNotReady", problem.GetProperty("detail").GetString());
        Assert.Contains("JWKS", problem.GetProperty("detail").GetString());
        Assert.Equal("/root/other", await _gateway.BodyAsync("/other"));
    }

    [Fact]
    public async Task Route_WithoutEndpoints_Answers503()
    {
        var empty = Route("empty", _backend.Url()) with { Backends = [new BackendModel { Name = "svc:80", Weight = 1, Endpoints = [] }] };
        await _gateway.PublishAsync(empty);

        using var response = await _gateway.GetAsync("/x");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("NoReadyEndpoints", (await TestGateway.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Route_NoMatch_Answers404ProblemWithRequestId()
    {
        await _gateway.PublishAsync(Route("a", _backend.Url(), Prefix("/a")));

        using var response = await _gateway.GetAsync("/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response);
        Assert.Equal("/nothing-here", problem.GetProperty("instance").GetString());
        Assert.Equal(32, problem.GetProperty("requestId").GetString()!.Length);
        Assert.False(response.Headers.Contains("Server"));
    }
}
