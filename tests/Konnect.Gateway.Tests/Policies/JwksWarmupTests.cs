using System.Net;
using System.Text.Json;
using Konnect.Controller;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Gateway.Hosting;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Jwt;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>
/// The whole folder-mode pipeline in process (store, reconciler, gateway, admin /status) against a real JWKS host: a
/// JWKS that cannot be loaded when the model is applied shows on every policy using it, and clears on its own once the
/// identity provider answers.
/// </summary>
public sealed class JwksWarmupTests : IAsyncLifetime
{
    private const string Issuer = "https://idp.test";
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-jwks-").FullName;
    private readonly TestKey _key = TestKey.NewRsa("rsa-1");
    private TestJwks _jwks = null!;
    private TestBackend _backend = null!;
    private WebApplication _app = null!;
    private HttpClient _traffic = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _jwks = await TestJwks.StartAsync(_key);
        _jwks.Unavailable = true;
        _backend = await TestBackend.StartAsync();
        var options = new GatewayOptions
        {
            TrafficUrls = "http://127.0.0.1:0", AdminUrls = "http://127.0.0.1:0",
            // No rate limit: the warmer then retries at its floor (a fraction of a second) and an unknown kid refetches at once.
            JwksMinRefreshInterval = TimeSpan.Zero,
        };
        _app = GatewayHost.Build(options, services =>
        {
            services.RemoveAll<ILoggerProvider>();
            services.AddSingleton<ResourceStore>();
            services.AddControlPlaneSide();
            services.AddSingleton<IStatusSink>(sp => sp.GetRequiredService<StatusBoard>());
            services.AddHostedService<Reconciler>();
        });
        await _app.StartAsync();
        var listeners = _app.Services.GetRequiredService<GatewayListeners>();
        _traffic = new HttpClient { BaseAddress = new Uri($"http://{listeners.TrafficEndPoints.Single()}"), Timeout = TimeSpan.FromSeconds(20) };
        _admin = new HttpClient { BaseAddress = new Uri($"http://{listeners.AdminEndPoints.Single()}"), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _traffic.Dispose();
        _admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _backend.DisposeAsync();
        await _jwks.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Jwks_DownAtFirstLoad_JwksUnavailableOnEachPolicyUsingIt_ClearsWhenItAnswers()
    {
        Load(Manifests(_jwks.Url));

        foreach (var policy in new[] { "jwt-a", "jwt-b" })
        {
            var down = await ResolvedRefsAsync(policy, c => c.Reason == DataPlaneReasons.JwksUnavailable);
            Assert.Equal("False", down.Status);
            Assert.Contains($"{_jwks.Url} could not be loaded (status 500)", down.Message, StringComparison.Ordinal);
        }
        var token = _key.Sign(Issuer, "alice");
        using (var refused = await SendAsync("/a/headers", token))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            await TestGateway.ProblemAsync(refused, Problem.JwksUnavailable);
        }

        _jwks.Unavailable = false;

        foreach (var policy in new[] { "jwt-a", "jwt-b" })
        {
            var up = await ResolvedRefsAsync(policy, c => c.Status == "True");
            Assert.Equal("ResolvedRefs", up.Reason);
        }
        using var passed = await SendAsync("/b/headers", token);
        Assert.Equal(HttpStatusCode.OK, passed.StatusCode);
        Assert.Contains("x-konnect-consumer: partners/alice", await passed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Policy_StopsUsingAFailingJwks_LosesItsCondition()
    {
        Load(Manifests(_jwks.Url));
        await ResolvedRefsAsync("jwt-b", c => c.Reason == DataPlaneReasons.JwksUnavailable);

        // jwt-b now names a JWKS that answers; jwt-a still names the failing one.
        await using var other = await TestJwks.StartAsync(_key);
        Load(Manifests(_jwks.Url, other.Url));

        await ResolvedRefsAsync("jwt-b", c => c.Status == "True");
        Assert.Equal(DataPlaneReasons.JwksUnavailable, (await ResolvedRefsAsync("jwt-a", _ => true)).Reason);
    }

    [Fact]
    public async Task Refresh_FailsAfterKeysLoaded_KeepsTheKeysAndReportsThemLoaded()
    {
        _jwks.Unavailable = false;
        Load(Manifests(_jwks.Url));
        await ResolvedRefsAsync("jwt-a", c => c.Status == "True");
        var token = _key.Sign(Issuer, "alice");
        using (var first = await SendAsync("/a/headers", token)) { Assert.Equal(HttpStatusCode.OK, first.StatusCode); }
        var fetches = _jwks.Fetches;

        _jwks.Unavailable = true;
        using (var unknownKid = await SendAsync("/a/headers", TestKey.NewRsa("rotated").Sign(Issuer, "alice")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unknownKid.StatusCode);
        }
        Assert.True(_jwks.Fetches > fetches, "the unknown kid should have triggered a refresh");

        var state = await _app.Services.GetRequiredService<JwksCache>().LoadAsync(_jwks.Url, CancellationToken.None);
        Assert.True(state.Loaded, "the warmer decides on Loaded: a failed refresh must not look like a failed first load");
        using var still = await SendAsync("/a/headers", token);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    private void Load(string yaml)
    {
        var path = Path.Combine(_dir, "jwt.yaml");
        File.WriteAllText(path, yaml);
        _app.Services.GetRequiredService<ResourceStore>().Replace(ManifestSource.LoadPaths([path]));
    }

    private string Manifests(string uriA, string? uriB = null) => $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectConsumer
        metadata: { name: alice, namespace: partners }
        spec: { credentials: { jwt: { issuer: "{{Issuer}}", subject: alice } } }
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: jwt-a, namespace: shop }
        spec: { authentication: { jwt: { issuer: "{{Issuer}}", jwksUri: "{{uriA}}" } } }
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: jwt-b, namespace: shop }
        spec: { authentication: { jwt: { issuer: "{{Issuer}}", jwksUri: "{{uriB ?? uriA}}" } } }
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: orders, namespace: shop }
        spec:
          rules:
            - { matches: [{ path: { value: /a } }], policies: [jwt-a], backends: [{ url: "{{_backend.Url()}}" }] }
            - { matches: [{ path: { value: /b } }], policies: [jwt-b], backends: [{ url: "{{_backend.Url()}}" }] }
        """;

    private Task<HttpResponseMessage> SendAsync(string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", token);
        return _traffic.SendAsync(request);
    }

    /// <summary>Polls admin /status until the policy's ResolvedRefs condition satisfies <paramref name="wanted"/>.</summary>
    private async Task<Condition> ResolvedRefsAsync(string policy, Func<Condition, bool> wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        Condition? last = null;
        while (DateTime.UtcNow < deadline)
        {
            using var json = JsonDocument.Parse(await _admin.GetStringAsync("/status"));
            last = json.RootElement.EnumerateArray()
                .Where(s => s.GetProperty("object").GetProperty("kind").GetString() == "KonnectPolicy"
                    && s.GetProperty("object").GetProperty("name").GetString() == policy)
                .SelectMany(s => s.GetProperty("conditions").EnumerateArray())
                .Where(c => c.GetProperty("type").GetString() == "ResolvedRefs")
                .Select(c => new Condition(c.GetProperty("status").GetString()!, c.GetProperty("reason").GetString()!, c.GetProperty("message").GetString()!))
                .FirstOrDefault();
            if (last is not null && wanted(last)) { return last; }
            await Task.Delay(50);
        }
        Assert.Fail($"KonnectPolicy shop/{policy}: ResolvedRefs never became what the test waits for; last seen: {last}");
        return null!;
    }

    private sealed record Condition(string Status, string Reason, string Message);
}
