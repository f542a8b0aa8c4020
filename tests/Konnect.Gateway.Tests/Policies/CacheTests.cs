using System.Net;
using Konnect.Model;
using Konnect.Gateway.Policies.Caching;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>The cache policy over real sockets: a scripted upstream decides the answer's headers, a manual clock the time.</summary>
public sealed class CacheTests
{
    private static readonly CacheModel OneMinute = new() { Policy = "test/cache", Ttl = TimeSpan.FromMinutes(1), MaxBodySize = 1024 * 1024 };

    private sealed class Setup(ScriptedBackend backend, TestGateway gateway, ManualClock clock) : IAsyncDisposable
    {
        public ScriptedBackend Backend { get; } = backend;
        public TestGateway Gateway { get; } = gateway;
        public ManualClock Clock { get; } = clock;

        public async Task<(string Cache, string Body, HttpResponseMessage Response)> GetAsync(string path, params (string, string)[] headers)
        {
            var response = await Gateway.GetAsync(path, headers: headers);
            var body = await response.Content.ReadAsStringAsync();
            var cache = response.Headers.TryGetValues("x-cache", out var values) ? string.Join(",", values) : "(none)";
            return (cache, body, response);
        }

        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }

    /// <param name="answer">Sets the upstream's answer; the body is the request's path, query and a counter unless it writes one.</param>
    private static async Task<Setup> StartAsync(CacheModel cache, Action<HttpContext>? answer = null, AuthenticationModel? authentication = null,
        long sizeLimit = 64 * 1024 * 1024, Func<HttpContext, Task>? handler = null, CorsModel? cors = null)
    {
        var counter = 0;
        var backend = await ScriptedBackend.StartAsync(handler ?? (async context =>
        {
            var n = Interlocked.Increment(ref counter);
            context.Response.ContentType = "text/plain";
            answer?.Invoke(context);
            await context.Response.WriteAsync($"{context.Request.Path}{context.Request.QueryString} #{n} {context.Request.Headers["x-konnect-consumer"]}");
        }));
        var clock = new ManualClock();
        var gateway = await TestGateway.StartAsync(configure: o => o.CacheSizeLimit = sizeLimit,
            services: s => s.AddSingleton(sp => new ResponseCache(sp.GetRequiredService<GatewayOptions>(), clock)));
        var route = Routes.Route("cached", backend.Url()) with { Policies = new PoliciesModel { Cache = cache, Authentication = authentication, Cors = cors } };
        var result = await gateway.Publisher.PublishAsync(TestGateway.Model(route) with { Consumers = [AuthenticationTests.Acme, AuthenticationTests.Bob] }, CancellationToken.None);
        Assert.True(result.Applied);
        return new Setup(backend, gateway, clock);
    }

    [Fact]
    public async Task Cache_SecondGet_HitServedWithoutTheUpstream()
    {
        await using var setup = await StartAsync(OneMinute);

        var first = await setup.GetAsync("/items?page=1");
        var second = await setup.GetAsync("/items?page=1");

        Assert.Equal("MISS", first.Cache);
        Assert.Equal("HIT", second.Cache);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(1, setup.Backend.RequestCount);
        Assert.NotEqual(first.Response.Headers.GetValues("x-request-id").Single(), second.Response.Headers.GetValues("x-request-id").Single());
        Assert.Equal(first.Body.Length, second.Response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task CacheKey_IncludesPathQueryAndHost()
    {
        await using var setup = await StartAsync(OneMinute);

        await setup.GetAsync("/items?page=1");
        var otherQuery = await setup.GetAsync("/items?page=2");
        var otherPath = await setup.GetAsync("/other?page=1");
        using var otherHost = await setup.Gateway.GetAsync("/items?page=1", host: "b.example.com");

        Assert.Equal("MISS", otherQuery.Cache);
        Assert.Equal("MISS", otherPath.Cache);
        Assert.Equal("MISS", otherHost.Headers.GetValues("x-cache").Single());
        Assert.Equal(4, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task Entry_TtlPassed_Expires()
    {
        await using var setup = await StartAsync(OneMinute);

        await setup.GetAsync("/items");
        setup.Clock.Advance(TimeSpan.FromSeconds(59));
        var fresh = await setup.GetAsync("/items");
        setup.Clock.Advance(TimeSpan.FromSeconds(2));
        var expired = await setup.GetAsync("/items");

        Assert.Equal("HIT", fresh.Cache);
        Assert.Equal("59", fresh.Response.Headers.Age?.TotalSeconds.ToString());
        Assert.Equal("MISS", expired.Cache);
        Assert.Equal(2, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task MaxAge_ShorterThanTheTtl_Wins()
    {
        await using var setup = await StartAsync(OneMinute, c => c.Response.Headers.CacheControl = "public, max-age=5");

        await setup.GetAsync("/items");
        setup.Clock.Advance(TimeSpan.FromSeconds(4));
        var fresh = await setup.GetAsync("/items");
        setup.Clock.Advance(TimeSpan.FromSeconds(2));
        var expired = await setup.GetAsync("/items");

        Assert.Equal("HIT", fresh.Cache);
        Assert.Equal("MISS", expired.Cache);
    }

    [Fact]
    public async Task SMaxAge_WithMaxAge_IsReadFirst()
    {
        await using var setup = await StartAsync(OneMinute, c => c.Response.Headers.CacheControl = "max-age=600, s-maxage=5");

        await setup.GetAsync("/items");
        setup.Clock.Advance(TimeSpan.FromSeconds(6));

        Assert.Equal("MISS", (await setup.GetAsync("/items")).Cache);
    }

    [Theory]
    [InlineData("no-store")]
    [InlineData("private, max-age=60")]
    [InlineData("no-cache")]
    [InlineData("max-age=0")]
    public async Task CacheControl_ForbidsStoring_Honoured(string cacheControl)
    {
        await using var setup = await StartAsync(OneMinute, c => c.Response.Headers.CacheControl = cacheControl);

        await setup.GetAsync("/items");
        var second = await setup.GetAsync("/items");

        Assert.Equal("MISS", second.Cache);
        Assert.Equal(2, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task Status_OutsideTheCacheableList_NotStored_404Stored()
    {
        await using var setup = await StartAsync(OneMinute, c => c.Response.StatusCode = c.Request.Path == "/missing" ? 404 : 500);

        await setup.GetAsync("/broken");
        var broken = await setup.GetAsync("/broken");
        await setup.GetAsync("/missing");
        var missing = await setup.GetAsync("/missing");

        Assert.Equal("MISS", broken.Cache);
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal("HIT", missing.Cache);
        Assert.Equal(3, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task Vary_NamedRequestHeaders_PutInTheKey()
    {
        await using var setup = await StartAsync(OneMinute, c => c.Response.Headers.Vary = "Accept-Language");

        var en = await setup.GetAsync("/items", ("Accept-Language", "en"));
        var de = await setup.GetAsync("/items", ("Accept-Language", "de"));
        var enAgain = await setup.GetAsync("/items", ("Accept-Language", "en"));
        var deAgain = await setup.GetAsync("/items", ("Accept-Language", "de"));

        Assert.Equal(["MISS", "MISS", "HIT", "HIT"], new[] { en.Cache, de.Cache, enAgain.Cache, deAgain.Cache });
        Assert.Equal(en.Body, enAgain.Body);
        Assert.Equal(de.Body, deAgain.Body);
        Assert.NotEqual(en.Body, de.Body);
        Assert.Equal(2, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task VaryStar_NeverCached()
    {
        await using var setup = await StartAsync(OneMinute, c => c.Response.Headers.Vary = "*");

        await setup.GetAsync("/items");

        Assert.Equal("MISS", (await setup.GetAsync("/items")).Cache);
    }

    [Fact]
    public async Task PolicyVaryBy_KeysByThatHeader()
    {
        await using var setup = await StartAsync(OneMinute with { VaryBy = ["x-tenant"] });

        await setup.GetAsync("/items", ("x-tenant", "a"));
        var b = await setup.GetAsync("/items", ("x-tenant", "b"));
        var a = await setup.GetAsync("/items", ("x-tenant", "a"));

        Assert.Equal("MISS", b.Cache);
        Assert.Equal("HIT", a.Cache);
    }

    [Theory]
    [InlineData(false, "MISS")]
    [InlineData(true, "HIT")]
    public async Task SetCookieAnswer_CachedOnlyWhenAllowed(bool cacheSetCookie, string expected)
    {
        await using var setup = await StartAsync(OneMinute with { CacheSetCookie = cacheSetCookie }, c => c.Response.Headers.SetCookie = "session=abc");

        await setup.GetAsync("/items");

        Assert.Equal(expected, (await setup.GetAsync("/items")).Cache);
    }

    [Fact]
    public async Task Consumers_GetTheirOwnEntries_CallersWithoutCredentialsGet401()
    {
        await using var setup = await StartAsync(OneMinute, authentication: AuthenticationTests.ApiKey with { BasicRealm = "test" });

        var acme = await setup.GetAsync("/items", ("x-api-key", AuthenticationTests.AcmeKey));
        var acmeAgain = await setup.GetAsync("/items", ("x-api-key", AuthenticationTests.AcmeKey));
        var bob = await setup.GetAsync("/items", ("Authorization", "Basic " + Convert.ToBase64String("bob:b0b-p@ss:word"u8.ToArray())));
        var anonymous = await setup.GetAsync("/items");
        var spoofed = await setup.GetAsync("/items", ("x-konnect-consumer", "partners/acme"));

        Assert.Equal("MISS", acme.Cache);
        Assert.Equal("HIT", acmeAgain.Cache);
        Assert.EndsWith("partners/acme", acmeAgain.Body);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, spoofed.Response.StatusCode);
        Assert.DoesNotContain("#", anonymous.Body);
        Assert.Equal("MISS", bob.Cache);
        Assert.EndsWith("partners/bob", bob.Body);
        Assert.Equal(2, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task AuthorizationHeader_RouteWithoutAuthentication_BypassesTheCache()
    {
        await using var setup = await StartAsync(OneMinute);

        await setup.GetAsync("/items", ("Authorization", "Bearer one"));
        var second = await setup.GetAsync("/items", ("Authorization", "Bearer two"));

        Assert.Equal("MISS", second.Cache);
        Assert.EndsWith("#2 ", second.Body);
    }

    [Fact]
    public async Task SizeLimit_Reached_EvictsTheLeastRecentlyUsedAnswer()
    {
        var body = new string('x', 1000);
        // Room for two answers of ~1.4 KB each (body plus header estimate), not three.
        await using var setup = await StartAsync(OneMinute, sizeLimit: 3000, handler: c => c.Response.WriteAsync(body));

        await setup.GetAsync("/a");
        await setup.GetAsync("/b");
        await setup.GetAsync("/a");
        await setup.GetAsync("/c");
        var a = await setup.GetAsync("/a");
        var b = await setup.GetAsync("/b");

        Assert.Equal("HIT", a.Cache);
        Assert.Equal("MISS", b.Cache);
        Assert.Equal(body, b.Body);
        Assert.True(setup.Gateway.Services.GetRequiredService<ResponseCache>().Size <= 3000);
    }

    [Fact]
    public async Task Body_LargerThanMaxBodySize_StreamsThroughUncached()
    {
        var body = new string('y', 64 * 1024);
        await using var setup = await StartAsync(OneMinute with { MaxBodySize = 1024 }, handler: async c =>
        {
            // Written in pieces without Content-Length, as a streamed download is.
            for (var i = 0; i < 64; i++) { await c.Response.WriteAsync(body.Substring(i * 1024, 1024)); await c.Response.Body.FlushAsync(); }
        });

        var first = await setup.GetAsync("/big");
        var second = await setup.GetAsync("/big");

        Assert.Equal(body, first.Body);
        Assert.Equal(body, second.Body);
        Assert.Equal("MISS", second.Cache);
        Assert.Equal(2, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task Post_NeverServedFromTheCache_HeadHasItsOwnEntry()
    {
        await using var setup = await StartAsync(OneMinute);

        await setup.GetAsync("/items");
        using var post = await setup.Gateway.GetAsync("/items", method: HttpMethod.Post);
        using var head = await setup.Gateway.GetAsync("/items", method: HttpMethod.Head);
        using var headAgain = await setup.Gateway.GetAsync("/items", method: HttpMethod.Head);

        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.False(post.Headers.Contains("x-cache"));
        Assert.Equal("MISS", head.Headers.GetValues("x-cache").Single());
        Assert.Equal("HIT", headAgain.Headers.GetValues("x-cache").Single());
        Assert.Equal(head.Content.Headers.ContentLength, headAgain.Content.Headers.ContentLength);
        Assert.Equal(3, setup.Backend.RequestCount);
    }

    [Fact]
    public async Task Hit_OtherOriginThanTheFill_DecoratedForItsOwnOrigin()
    {
        var cors = new CorsModel { Policy = "test/cors", AllowOrigins = ["https://a.example", "https://b.example"], AllowMethods = ["GET"] };
        await using var setup = await StartAsync(OneMinute, cors: cors);

        var a = await setup.GetAsync("/items", ("Origin", "https://a.example"));
        var b = await setup.GetAsync("/items", ("Origin", "https://b.example"));
        var other = await setup.GetAsync("/items", ("Origin", "https://evil.example"));

        Assert.Equal("https://a.example", a.Response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("HIT", b.Cache);
        Assert.Equal("https://b.example", b.Response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("HIT", other.Cache);
        Assert.False(other.Response.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
