using System.Net;
using System.Text.Json;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Policies;
using Konnect.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Portal;

/// <summary>
/// The developer portal over real sockets, on its own listener: the page and the JSON catalogue list exactly the
/// listed versions, grouped by namespace and team, with what calling them needs (never a credential); the search form's
/// parameters narrow both; an API's page shows its operations; text is encoded and no script may run; and the portal's
/// port serves no traffic, nor the traffic port the portal.
/// </summary>
public sealed class PortalTests
{
    private static RouteModel Version(string route, string version, ApiState state = ApiState.Published, bool listed = true, string ns = "shop",
        string? team = "storefront", string[]? tags = null, string? description = null) =>
        Routes.Route(route, "http://127.0.0.1:1", Routes.Prefix($"/{version}")) with
        {
            Id = $"{ns}/{route}/0", Namespace = ns, Hosts = ["api.example.com"],
            Api = new ApiModel
            {
                Name = route.Split('-')[0], Version = version, State = state, Listed = listed, Team = team, Tags = tags ?? [],
                Description = description, DeprecatedAt = state == ApiState.Deprecated ? new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero) : null,
                SunsetAt = state == ApiState.Deprecated ? new DateTimeOffset(2027, 6, 30, 0, 0, 0, TimeSpan.Zero) : null,
                Successor = state == ApiState.Published ? null : "/v2",
            },
        };

    private static readonly ApiDocumentModel OrdersDocument = new()
    {
        Digest = "d1",
        Title = "Orders",
        Operations =
        [
            new ApiOperationModel
            {
                Method = "GET", Path = "/v2/orders/{id}", Summary = "One order",
                Parameters = [new ApiParameterModel("id", "path", true, "string (uuid)", "The order's id")],
                Responses = [new ApiResponseModel("200", "The order", "application/json", "Order {\n  id*: string\n}")],
            },
        ],
    };

    private static async Task<(TestGateway Gateway, HttpClient Portal)> StartAsync(params RouteModel[] routes)
    {
        var gateway = await TestGateway.StartAsync(configure: o => o.PortalUrls = "http://127.0.0.1:0");
        var model = TestGateway.Model(routes) with { ApiDocuments = new Dictionary<string, ApiDocumentModel> { ["shop/orders-v2"] = OrdersDocument } };
        Assert.True((await gateway.Publisher.PublishAsync(model, CancellationToken.None)).Applied);
        return (gateway, gateway.PortalClient());
    }

    private static RouteModel[] Sample() =>
    [
        Version("orders-v2", "v2", tags: ["commerce"]),
        Version("orders-v1", "v1", ApiState.Deprecated, tags: ["commerce"]),
        Version("billing-v1", "v1", team: "finance", tags: ["money"], description: "Invoices and <b>payments</b>"),
        Version("secret-v1", "v1", listed: false),
        Version("tools-v1", "v1", ns: "ops", team: null),
    ];

    [Fact]
    public async Task Page_ListsListedApisOnly_ByNamespaceAndTeam_WithTheirVersionsStates()
    {
        var (gateway, portal) = await StartAsync(Sample());
        await using var _ = gateway;
        using var __ = portal;

        using var response = await portal.GetAsync("/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("<p id=\"count\">3 APIs</p>", html);
        Assert.DoesNotContain("secret", html);
        // shop before ops? Namespaces in order: ops, then shop; in shop, team finance before storefront.
        Assert.True(html.IndexOf("data-namespace=\"ops\"", StringComparison.Ordinal) < html.IndexOf("data-namespace=\"shop\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("Team finance", StringComparison.Ordinal) < html.IndexOf("Team storefront", StringComparison.Ordinal));
        Assert.Contains("<li class=\"version state-deprecated\" data-version=\"v1\"><span class=\"version-name\">v1</span> <span class=\"state\">Deprecated since 2026-06-01, sunset 2027-06-30</span></li>", html);
        Assert.Contains("<span class=\"state\">Published</span>", html);
        // Markup in a description is shown as text.
        Assert.Contains("Invoices and &lt;b&gt;payments&lt;/b&gt;", html);
    }

    [Theory]
    [InlineData("/?q=invoices", new[] { "shop/billing" })]
    [InlineData("/?q=orders+v1", new[] { "shop/orders" })]
    [InlineData("/?tag=commerce", new[] { "shop/orders" })]
    [InlineData("/?team=finance", new[] { "shop/billing" })]
    [InlineData("/?state=Deprecated", new[] { "shop/orders" })]
    [InlineData("/?namespace=ops", new[] { "ops/tools" })]
    [InlineData("/?q=nothing-like-this", new string[0])]
    public async Task SearchAndFilters_NarrowThePageAndTheJson_Alike(string query, string[] expected)
    {
        var (gateway, portal) = await StartAsync(Sample());
        await using var _ = gateway;
        using var __ = portal;

        var html = await portal.GetStringAsync(query);
        using var json = JsonDocument.Parse(await portal.GetStringAsync("/api/apis" + query[1..]));

        var listed = System.Text.RegularExpressions.Regex.Matches(html, "data-api=\"([^\"]+)\"").Select(m => m.Groups[1].Value);
        Assert.Equal(expected, listed);
        Assert.Equal(expected, json.RootElement.GetProperty("apis").EnumerateArray().Select(a => $"{a.GetProperty("namespace")}/{a.GetProperty("name")}"));
        Assert.Equal(3, json.RootElement.GetProperty("total").GetInt32()); // orders, billing, tools: secret is hidden
    }

    [Fact]
    public async Task ApiPage_VersionsWithUrlsAccessAndOperations_NeverACredential()
    {
        var protectedV2 = Version("orders-v2", "v2") with
        {
            Policies = new PoliciesModel
            {
                Authentication = AuthenticationTests.ApiKey,
                Authorization = new AuthorizationModel { Policy = "shop/orders-access", RequireSubscription = true, ApprovedConsumers = ["shop/web"] },
                RateLimit = new RateLimitModel { Policy = "shop/limits", Limits = [new RateLimitWindowModel(100, TimeSpan.FromMinutes(1), 0)], Key = RateLimitKey.Consumer, Scope = RateLimitScope.Local },
            },
        };
        var (gateway, portal) = await StartAsync(protectedV2, Version("orders-v1", "v1", ApiState.Deprecated));
        await using var _ = gateway;
        using var __ = portal;

        var html = await portal.GetStringAsync("/apis/shop/orders");

        Assert.Contains("<code>api.example.com/v2/…</code>", html);
        Assert.Contains("API key in the x-api-key header", html);
        Assert.Contains("    - route: shop/orders-v2", html);
        Assert.Contains("KonnectPolicy shop/orders-access", html);
        Assert.Contains("100 requests per 1m per consumer", html);
        Assert.Contains("data-operation=\"GET /v2/orders/{id}\"", html);
        Assert.Contains("<pre class=\"schema\">Order {\n  id*: string\n}</pre>", html);
        Assert.Contains("<code>/v2</code> on the API&#x27;s host", html);
        // v2 (published) comes before v1 (deprecated).
        Assert.True(html.IndexOf("id=\"version-v2\"", StringComparison.Ordinal) < html.IndexOf("id=\"version-v1\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PromptApi_ListedWithItsGeneratedDocument()
    {
        var prompt = new AiPromptModel
        {
            Model = "fast", Messages = [new AiPromptMessageModel("user", "Summarize {{text}} in {{words}} words")],
            Variables = [new AiPromptVariableModel("text", AiVariableType.String, true, 4000, "What to summarize"), new AiPromptVariableModel("words", AiVariableType.Number, false, 0, null)],
            Response = AiPromptResponse.Content, Description = "Summaries on demand",
        };
        var summarize = Version("summarize-v1", "v1") with
        {
            Policies = new PoliciesModel { Ai = new AiModel { Policy = "shop/summarize", Providers = [], Models = [], MaxTokens = 200, Prompt = prompt } },
        };
        var (gateway, portal) = await StartAsync(summarize);
        await using var _ = gateway;
        using var __ = portal;

        var html = await portal.GetStringAsync("/apis/shop/summarize");

        Assert.Contains("data-operation=\"POST /v1\"", html);
        Assert.Contains("<pre class=\"schema\">object {\n  text*: string, at most 4000 characters\n  words: number\n}</pre>", html);
        Assert.Contains("<pre class=\"schema\">object {\n  content*: string\n}</pre>", html);
        Assert.Contains("Summaries on demand", html);
    }

    [Fact]
    public async Task Pages_ForbidScripts_AndLoadNothingFromElsewhere()
    {
        var (gateway, portal) = await StartAsync(Sample());
        await using var _ = gateway;
        using var __ = portal;

        foreach (var path in new[] { "/", "/apis/shop/orders", "/portal.css", "/api/apis", "/no-such-page" })
        {
            using var response = await portal.GetAsync(path);
            Assert.Equal("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
                Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("http://", body.Replace("http://127.0.0.1:1", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownApiOrPath_404_HiddenApiToo_AndOnlyGetAndHead()
    {
        var (gateway, portal) = await StartAsync(Sample());
        await using var _ = gateway;
        using var __ = portal;

        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync("/apis/shop/secret")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync("/apis/shop/nothing")).StatusCode);
        using var json = await portal.GetAsync("/api/apis/shop/secret");
        Assert.Equal(HttpStatusCode.NotFound, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType!.MediaType);
        using var post = await portal.PostAsync("/", new StringContent(""));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task PortalPortServesNoTraffic_TrafficPortServesNoPortal()
    {
        await using var backend = await TestBackend.StartAsync();
        var (gateway, portal) = await StartAsync(Routes.Route("everything", backend.Url()) with { Api = new ApiModel { Name = "everything", Version = "v1", Listed = true } });
        await using var _ = gateway;
        using var __ = portal;

        // The route matches every path on the traffic port, the portal's "/" included; the portal answers its own.
        using var traffic = await gateway.GetAsync("/api/apis");
        TestGateway.AssertFromUpstream(traffic);
        var page = await portal.GetStringAsync("/");
        Assert.Contains("data-api=\"test/everything\"", page);
    }

    [Fact]
    public async Task ProtectedByAPolicy_LikeAnyRoute_WhenPublishedThroughOne()
    {
        // The documented way to publish the portal: a route to its listener, with a policy (here an API key).
        var gateway = await TestGateway.StartAsync(configure: o => o.PortalUrls = "http://127.0.0.1:0");
        await using var _ = gateway;
        var port = gateway.Services.GetRequiredService<GatewayListeners>().PortalEndPoints.Single().Port;
        var front = Routes.Route("portal", $"http://127.0.0.1:{port}") with
        {
            Hosts = ["developer.example.com"], Policies = new PoliciesModel { Authentication = AuthenticationTests.ApiKey },
        };
        Assert.True((await gateway.Publisher.PublishAsync(TestGateway.Model(front, Version("orders-v2", "v2")) with { Consumers = [AuthenticationTests.Acme] },
            CancellationToken.None)).Applied);

        using var refused = await gateway.GetAsync("/", host: "developer.example.com");
        using var served = await gateway.GetAsync("/", host: "developer.example.com", headers: ("x-api-key", AuthenticationTests.AcmeKey));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Contains("data-api=\"shop/orders\"", await served.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("http://127.0.0.1:18091", "http://127.0.0.1:18092", "http://127.0.0.2:18091", "PortalUrls and TrafficUrls share port 18091")]
    [InlineData("http://127.0.0.1:18091", "http://127.0.0.1:18092", "http://127.0.0.2:18092", "PortalUrls and AdminUrls share port 18092")]
    public async Task PortalSharingAPort_Refused_AsItWouldServeTheOthersRequests(string traffic, string admin, string portal, string expected)
    {
        // Listeners are told apart by local port: on another address, the same port would still be the other listener's.
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => TestGateway.StartAsync(configure: o =>
        {
            o.TrafficUrls = traffic;
            o.AdminUrls = admin;
            o.PortalUrls = portal;
        }));

        Assert.StartsWith(expected, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelChanges_PortalFollows()
    {
        var (gateway, portal) = await StartAsync(Version("orders-v2", "v2"));
        await using var _ = gateway;
        using var __ = portal;
        Assert.Contains("1 API", await portal.GetStringAsync("/"));

        await gateway.PublishAsync(Version("orders-v2", "v2"), Version("billing-v1", "v1"));

        Assert.Contains("<p id=\"count\">2 APIs</p>", await portal.GetStringAsync("/"));
    }
}
