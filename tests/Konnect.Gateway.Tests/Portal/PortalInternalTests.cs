using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Policies;
using Konnect.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Portal;

/// <summary>
/// visibility: Internal over real sockets: an internal version is on the portal only for a viewer signed in as a
/// consumer of its namespace (basic credentials, or an API key for the JSON); to anyone else, its API, tags, team,
/// page, JSON and analytics do not exist. /signin asks the browser for credentials.
/// </summary>
public sealed class PortalInternalTests
{
    // AuthenticationTests' consumers: acme (API key, namespace partners), bob (basic, namespace partners), guest (test).
    private static RouteModel Route(string name, string ns, bool isInternal, string tag) =>
        Routes.Route(name, "http://127.0.0.1:1", Routes.Prefix("/" + name)) with
        {
            Id = $"{ns}/{name}/0", Namespace = ns,
            Api = new ApiModel { Name = name, Version = "v1", Listed = true, Internal = isInternal, Team = $"team-{name}", Tags = [tag] },
        };

    private static async Task<(TestGateway Gateway, HttpClient Portal)> StartAsync()
    {
        var gateway = await TestGateway.StartAsync(configure: o => o.PortalUrls = "http://127.0.0.1:0");
        var model = TestGateway.Model(Route("public", "partners", false, "open"), Route("ledger", "partners", true, "secret-tag"), Route("hr", "test", true, "people"))
            with { Consumers = [AuthenticationTests.Acme, AuthenticationTests.Bob, AuthenticationTests.Guest] };
        Assert.True((await gateway.Publisher.PublishAsync(model, CancellationToken.None)).Applied);
        return (gateway, gateway.PortalClient());
    }

    private static HttpRequestMessage Get(string path, string? basic = null, string? apiKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (basic is not null) { request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic))); }
        if (apiKey is not null) { request.Headers.Add("x-api-key", apiKey); }
        return request;
    }

    [Fact]
    public async Task Anonymous_SeesListedOnly_NoTraceOfInternalOnes()
    {
        var (gateway, portal) = await StartAsync();
        await using var _ = gateway;
        using var __ = portal;

        var html = await portal.GetStringAsync("/");

        Assert.Contains("data-api=\"partners/public\"", html);
        Assert.DoesNotContain("ledger", html);
        Assert.DoesNotContain("secret-tag", html);
        Assert.DoesNotContain("team-hr", html);
        Assert.Contains("<a href=\"/signin\">Sign in</a>", html);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync("/apis/partners/ledger")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync("/api/apis/partners/ledger")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.GetAsync("/api/analytics/partners/ledger")).StatusCode);
        using var json = JsonDocument.Parse(await portal.GetStringAsync("/api/apis"));
        Assert.Equal(1, json.RootElement.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task SignedInWithBasic_SeesItsNamespacesInternalApis_NotOthers()
    {
        var (gateway, portal) = await StartAsync();
        await using var _ = gateway;
        using var __ = portal;

        using var response = await portal.SendAsync(Get("/", basic: $"bob:{AuthenticationTests.BobPassword}"));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Contains("Signed in as partners/bob", html);
        Assert.Contains("data-api=\"partners/ledger\"", html);
        Assert.Contains("<span class=\"badge\">internal</span>", html);
        Assert.DoesNotContain("test/hr", html);
        Assert.Equal(HttpStatusCode.OK, (await portal.SendAsync(Get("/apis/partners/ledger", basic: $"bob:{AuthenticationTests.BobPassword}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await portal.SendAsync(Get("/apis/test/hr", basic: $"bob:{AuthenticationTests.BobPassword}"))).StatusCode);
    }

    [Fact]
    public async Task JsonWithApiKey_SeesItsNamespacesInternalApis_WrongCredentialsSeeNone()
    {
        var (gateway, portal) = await StartAsync();
        await using var _ = gateway;
        using var __ = portal;

        using var acme = JsonDocument.Parse(await (await portal.SendAsync(Get("/api/apis", apiKey: AuthenticationTests.AcmeKey))).Content.ReadAsStringAsync());
        using var wrong = JsonDocument.Parse(await (await portal.SendAsync(Get("/api/apis", apiKey: "not-a-key", basic: "bob:wrong"))).Content.ReadAsStringAsync());

        Assert.Equal(["partners/ledger", "partners/public"], acme.RootElement.GetProperty("apis").EnumerateArray().Select(a => $"{a.GetProperty("namespace")}/{a.GetProperty("name")}"));
        Assert.Equal(["partners/public"], wrong.RootElement.GetProperty("apis").EnumerateArray().Select(a => $"{a.GetProperty("namespace")}/{a.GetProperty("name")}"));
    }

    [Fact]
    public async Task ListedAndInternalVersionsOfOneApi_OthersSeeOnlyTheListedOnesFace()
    {
        var gateway = await TestGateway.StartAsync(configure: o => o.PortalUrls = "http://127.0.0.1:0");
        await using var _ = gateway;
        static RouteModel Version(string version, bool isInternal, string title, string team, string tag) =>
            Routes.Route($"orders-{version}", "http://127.0.0.1:1", Routes.Prefix("/" + version)) with
            {
                Id = $"partners/orders-{version}/0", Namespace = "partners",
                Api = new ApiModel { Name = "orders", Version = version, Listed = true, Internal = isInternal, Title = title, Team = team, Tags = [tag] },
            };
        var model = TestGateway.Model(Version("v1", false, "Orders", "sales", "public-tag"), Version("v2", true, "Orders next (unannounced)", "skunkworks", "hidden-tag"))
            with { Consumers = [AuthenticationTests.Bob] };
        Assert.True((await gateway.Publisher.PublishAsync(model, CancellationToken.None)).Applied);
        using var portal = gateway.PortalClient();

        var anonymous = await portal.GetStringAsync("/") + await portal.GetStringAsync("/apis/partners/orders") + await portal.GetStringAsync("/api/apis");
        var bob = await (await portal.SendAsync(Get("/apis/partners/orders", basic: $"bob:{AuthenticationTests.BobPassword}"))).Content.ReadAsStringAsync();

        Assert.Contains("Orders", anonymous);
        foreach (var secret in new[] { "unannounced", "skunkworks\"", "Team skunkworks", "hidden-tag", "version-v2" }) { Assert.DoesNotContain(secret, anonymous); }
        Assert.Contains("<p id=\"count\">0 APIs of 1 match</p>", await portal.GetStringAsync("/?q=skunkworks"));
        Assert.Contains("Orders next (unannounced)", bob);
        Assert.Contains("id=\"version-v1\"", bob);
    }

    [Fact]
    public async Task WrongCredentials_TenAMinute_ThenRefused429_EvenTheRightOnes()
    {
        var (gateway, portal) = await StartAsync();
        await using var _ = gateway;
        using var __ = portal;

        // Failures are counted per clock minute: start well inside one, so the eleven tries fall in the same minute.
        if (DateTimeOffset.UtcNow.Second >= 50) { await Task.Delay(TimeSpan.FromSeconds(61 - DateTimeOffset.UtcNow.Second)); }
        for (var i = 0; i < 10; i++)
        {
            using var wrong = await portal.SendAsync(Get("/signin", basic: $"bob:guess-{i}"));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }
        using var refused = await portal.SendAsync(Get("/signin", basic: $"bob:{AuthenticationTests.BobPassword}"));
        using var anonymous = await portal.GetAsync("/");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
    }

    [Fact]
    public async Task SignIn_AsksForBasicCredentials_ThenGoesBackToTheList()
    {
        var (gateway, portal) = await StartAsync();
        await using var _ = gateway;
        using var __ = portal;

        using var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = portal.BaseAddress };
        using var challenge = await browser.GetAsync("/signin");
        using var wrong = await browser.SendAsync(Get("/signin", basic: "bob:wrong"));
        using var right = await browser.SendAsync(Get("/signin", basic: $"bob:{AuthenticationTests.BobPassword}"));

        Assert.Equal(HttpStatusCode.Unauthorized, challenge.StatusCode);
        Assert.Equal("Basic realm=\"Konnect developer portal\", charset=\"UTF-8\"", challenge.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, right.StatusCode);
        Assert.Equal("/", right.Headers.Location!.ToString());
    }
}
