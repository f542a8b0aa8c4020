using System.Text;
using System.Text.Json;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Commands;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Kubernetes;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;

namespace Konnect.Functional.Tests.FolderMode;

/// <summary>
/// A jwt policy whose JWKS cannot be loaded when the model is applied says so in its status, in both modes: on the
/// admin /status of the real binary in folder mode, and in the status subresource in cluster mode.
/// </summary>
public sealed class JwksStatusTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-jwks-status-").FullName;
    // Nothing listens here, so the JWKS fetch is refused.
    private readonly string _jwksUri = $"http://127.0.0.1:{Repo.FreePort()}/jwks.json";
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task FolderMode_JwksDownAtFirstLoad_AdminStatusSaysJwksUnavailable_AndBearerRequestsGet503()
    {
        int traffic = Repo.FreePort(), admin = Repo.FreePort();
        var manifests = Directory.CreateDirectory(Path.Combine(_dir, "manifests")).FullName;
        File.WriteAllText(Path.Combine(manifests, "jwt.yaml"), $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: jwt, namespace: shop }
            spec: { authentication: { jwt: { issuer: "https://idp.test", jwksUri: "{{_jwksUri}}" } } }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders, namespace: shop }
            spec:
              policies: [jwt]
              rules: [{ backends: [{ url: "http://127.0.0.1:1" }] }]
            """);
        var output = new StringBuilder();
        var konnect = Repo.StartDotnet(Repo.KonnectDll, output, "run", "--manifests", manifests,
            "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}");
        try
        {
            JsonElement? condition = null;
            await Repo.EventuallyAsync(async () =>
            {
                condition = ResolvedRefs(await _http.GetStringAsync($"http://127.0.0.1:{admin}/status"));
                return condition?.GetProperty("reason").GetString() == "JwksUnavailable";
            }, "JwksUnavailable on /status");

            Assert.Equal("False", condition!.Value.GetProperty("status").GetString());
            Assert.Contains($"{_jwksUri} could not be loaded (connection refused)", condition.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{traffic}/orders");
            request.Headers.Authorization = new("Bearer", WellFormedToken());
            using var response = await _http.SendAsync(request);
            Assert.Equal(503, (int)response.StatusCode);
            Assert.Contains("jwks-unavailable", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using (var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
            {
                Assert.Equal(Konnect.Gateway.Problem.JwksUnavailable.Type, problem.RootElement.GetProperty("type").GetString());
            }
            string log;
            lock (output) { log = output.ToString(); }
            Assert.Contains("KonnectPolicy shop/jwt: ResolvedRefs=False (JwksUnavailable)", log, StringComparison.Ordinal);
        }
        finally
        {
            Repo.Stop(konnect);
        }
    }

    [Fact]
    public async Task ClusterMode_JwksDownAtFirstLoad_PolicyStatusSaysJwksUnavailable()
    {
        await using var api = await FakeKubeApiServer.StartAsync();
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), api.Url, "konnect-system");
        api.Put(ResourceTypes.KonnectPolicies, new KonnectPolicy
        {
            Metadata = new ObjectMeta { Name = "jwt", Namespace = "shop" },
            Spec = new KonnectPolicySpec { Authentication = new AuthenticationPolicy { Jwt = new JwtAuthentication { Issuer = "https://idp.test", JwksUri = _jwksUri } } },
        });
        api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
        {
            Metadata = new ObjectMeta { Name = "orders", Namespace = "shop" },
            Spec = new KonnectRouteSpec { Policies = ["jwt"], Rules = [new RouteRule { Backends = [new RouteBackend { Url = "http://127.0.0.1:1" }] }] },
        });
        var app = RunCommand.Build(InProcessKonnect.ClusterModeOptions(Path.Combine(_dir, "kubeconfig")));
        await app.StartAsync();
        try
        {
            Condition? Written() => api.Get(ResourceTypes.KonnectPolicies, "shop", "jwt")?.Status?.Conditions?.FirstOrDefault(c => c.Type == "ResolvedRefs");
            await Repo.EventuallyAsync(() => Task.FromResult(Written()?.Reason == "JwksUnavailable"), "JwksUnavailable written to the policy's status", 15);
            Assert.Equal("False", Written()!.Status);
            Assert.Contains("connection refused", Written()!.Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static JsonElement? ResolvedRefs(string statusJson)
    {
        using var json = JsonDocument.Parse(statusJson);
        foreach (var status in json.RootElement.EnumerateArray())
        {
            var o = status.GetProperty("object");
            if (o.GetProperty("kind").GetString() != "KonnectPolicy" || o.GetProperty("name").GetString() != "jwt") { continue; }
            foreach (var c in status.GetProperty("conditions").EnumerateArray())
            {
                if (c.GetProperty("type").GetString() == "ResolvedRefs") { return c.Clone(); }
            }
        }
        return null;
    }

    /// <summary>A JWT-shaped token: enough for the gateway to read its kid and go looking for keys.</summary>
    private static string WellFormedToken()
    {
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{B64("{\"alg\":\"RS256\",\"kid\":\"k1\",\"typ\":\"JWT\"}")}.{B64("{\"sub\":\"alice\"}")}.c2ln";
    }
}
