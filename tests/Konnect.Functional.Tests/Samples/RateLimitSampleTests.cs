using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Konnect.Testing;
using Konnect.Testing.Redis;

namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// samples/policies/rate-limit.yaml with two real `konnect run` processes sharing a password-protected redis-server that
/// serves TLS only, with a CA made in the test (--redis rediss://localhost:port, --redis-tls-ca, KONNECT_REDIS_PASSWORD):
/// the tenant limit holds across both within ±5 %, and when Redis stops each one's /status says so while requests are
/// still admitted (failurePolicy open). The password never shows in their output.
/// </summary>
public sealed class RateLimitSampleTests : IAsyncLifetime
{
    private const string Password = "sample-redis-password-7";
    private static readonly string Sample = Path.Combine(Repo.Root, "samples", "policies", "rate-limit.yaml");

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-rate-limit-").FullName;
    private readonly int _upstream = Repo.FreePort();
    private readonly (int Traffic, int Admin)[] _ports = [(Repo.FreePort(), Repo.FreePort()), (Repo.FreePort(), Repo.FreePort())];
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<Process> _processes = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync(Password, new RedisTls());
        var ca = Path.Combine(_redis.Folder, "ca.crt"); // the CA the server's certificate was issued by
        var text = await File.ReadAllTextAsync(Sample);
        Assert.Contains("http://127.0.0.1:9101", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(_dir, "rate-limit.yaml"), text.Replace("http://127.0.0.1:9101", $"http://127.0.0.1:{_upstream}", StringComparison.Ordinal));
        _processes.Add(Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{_upstream}", "--name", "catalog"));
        foreach (var (traffic, admin) in _ports)
        {
            _processes.Add(Repo.StartDotnet(Repo.KonnectDll, _output, new Dictionary<string, string> { ["KONNECT_REDIS_PASSWORD"] = Password },
                "run", "--manifests", _dir, "--redis", $"rediss://localhost:{_redis.Port}", "--redis-tls-ca", ca,
                "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}"));
        }
        foreach (var (_, admin) in _ports)
        {
            await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        }
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_upstream}/")).IsSuccessStatusCode, "echo ready");
    }

    public async Task DisposeAsync()
    {
        Repo.Stop([.. _processes]);
        await _redis.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<HttpResponseMessage> TenantAsync(int instance, string tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_ports[instance].Traffic}/tenant/orders");
        request.Headers.Host = "catalog.example.com";
        request.Headers.Add("X-Tenant", tenant);
        return await _http.SendAsync(request);
    }

    private static string? RedisUnavailable(string statusJson)
    {
        using var json = JsonDocument.Parse(statusJson);
        foreach (var status in json.RootElement.EnumerateArray())
        {
            var o = status.GetProperty("object");
            if (o.GetProperty("kind").GetString() != "KonnectPolicy" || o.GetProperty("name").GetString() != "per-tenant") { continue; }
            foreach (var c in status.GetProperty("conditions").EnumerateArray())
            {
                if (c.GetProperty("type").GetString() == "RedisAvailable") { return $"{c.GetProperty("reason").GetString()}: {c.GetProperty("message").GetString()}"; }
            }
        }
        return null;
    }

    [Fact]
    public async Task TenantLimit_HoldsAcrossTwoGateways_ThenRedisDown_AdmitsAndStatusSaysRedisUnavailable()
    {
        // The sample allows 100 per hour per tenant across the cluster: 150 requests alternate between the pods.
        var admitted = 0;
        for (var i = 0; i < 150; i++)
        {
            using var response = await TenantAsync(i % 2, "blue");
            if (response.StatusCode == HttpStatusCode.OK) { admitted++; }
            else { Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode); }
        }
        Assert.InRange(admitted, 95, 105);
        using (var other = await TenantAsync(1, "green"))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Equal("99", other.Headers.GetValues("RateLimit-Remaining").Single());
        }
        Assert.All(_ports, p => Assert.Null(RedisUnavailable(_http.GetStringAsync($"http://127.0.0.1:{p.Admin}/status").Result)));

        await _redis.StopAsync();
        using (var open = await TenantAsync(0, "blue"))
        {
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }
        foreach (var (_, admin) in _ports)
        {
            string? degraded = null;
            await Repo.EventuallyAsync(async () => (degraded = RedisUnavailable(await _http.GetStringAsync($"http://127.0.0.1:{admin}/status"))) is not null, "RedisAvailable=False on /status");
            Assert.StartsWith("RedisUnavailable: spec.rateLimit: scope cluster cannot reach Redis", degraded);
        }
        string log;
        lock (_output) { log = _output.ToString(); }
        Assert.Contains("KonnectPolicy default/per-tenant: RedisAvailable=False (RedisUnavailable)", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
    }
}
