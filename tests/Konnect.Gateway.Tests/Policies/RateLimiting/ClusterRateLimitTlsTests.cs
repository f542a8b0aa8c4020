using System.Diagnostics;
using System.Net;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Redis;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Redis;
using static Konnect.Gateway.Tests.Policies.RateLimiting.RateLimits;

namespace Konnect.Gateway.Tests.Policies.RateLimiting;

/// <summary>
/// scope: cluster against a real redis-server serving TLS only, with a CA made in the test: limits hold over TLS, and a
/// wrong CA, a wrong server name, plain TCP to a TLS port or refused credentials make failurePolicy apply at once,
/// with RedisAvailable saying why (never the password).
/// </summary>
public sealed class ClusterRateLimitTlsTests : IAsyncLifetime
{
    private const string Password = "tls-redis-secret-41";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);
    private readonly RedisTls _tls = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("konnect-redis-ca-").FullName;
    private RedisServer _redis = null!;
    private TestBackend _backend = null!;
    private string _ca = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync(Password, _tls);
        _backend = await TestBackend.StartAsync();
        _ca = Path.Combine(_folder, "ca.crt");
        await File.WriteAllTextAsync(_ca, _tls.Authority.CertificatePem);
    }

    public async Task DisposeAsync()
    {
        await _backend.DisposeAsync();
        await _redis.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private RedisOptions Tls(string? ca = null, string? password = Password, string? serverName = null, string scheme = "rediss", string? username = null) => new()
    {
        Address = $"{scheme}://localhost:{_redis.Port}",
        TlsCaFile = ca ?? _ca,
        TlsServerName = serverName,
        Username = username,
        Password = password,
        CommandTimeout = Timeout,
    };

    [Fact]
    public async Task TwoGateways_TlsWithAPrivateCa_ShareTheLimit()
    {
        await using var a = await (await TestGateway.StartAsync(configure: o => o.Redis = Tls())).RedisAnsweringAsync();
        await using var b = await (await TestGateway.StartAsync(configure: o => o.Redis = Tls())).RedisAnsweringAsync();
        var route = Limited(_backend, Cluster(10, "1h", RateLimitFailurePolicy.Closed));
        await a.PublishAsync(route);
        await b.PublishAsync(route);

        var admitted = 0;
        for (var i = 0; i < 20; i++)
        {
            using var response = await (i % 2 == 0 ? a : b).GetAsync("/limited/x");
            if (response.StatusCode == HttpStatusCode.OK) { admitted++; }
            else { await AssertLimitedAsync(response); }
        }
        Assert.Equal(10, admitted);
        Assert.Null(RedisUnavailable(a));
        // The buckets are in this TLS-only Redis (redis-cli over TLS sees them).
        Assert.Contains("konnect:rl:", await _redis.CliAsync("--scan", "--pattern", "konnect:rl:*"));
    }

    [Fact]
    public async Task AclUser_LimitedToKonnectKeys_WorksOverTls()
    {
        await _redis.CliAsync("ACL", "SETUSER", "konnect", "on", ">acl-user-secret-9", "~konnect:*", "&*", "+@all");
        await using var gateway = await (await TestGateway.StartAsync(configure: o => o.Redis = Tls(username: "konnect", password: "acl-user-secret-9"))).RedisAnsweringAsync();
        await gateway.PublishAsync(Limited(_backend, Cluster(3, "1h", RateLimitFailurePolicy.Closed)));

        Assert.Equal(3, await AdmittedUntilLimitedAsync(gateway, "/limited/x", 5));
    }

    [Fact]
    public async Task CertificateFromAnotherCa_FailsClosedAtOnce_ConditionSaysTls()
    {
        var other = Path.Combine(_folder, "other-ca.crt");
        await File.WriteAllTextAsync(other, new RedisTls().Authority.CertificatePem);

        await AssertClosedPromptlyAsync(Tls(ca: other), $"TLS handshake failed: the server's certificate is not issued by a CA in {other}");
    }

    [Fact]
    public async Task ServerNameNotInTheCertificate_FailsClosed_ConditionNamesIt()
    {
        await AssertClosedPromptlyAsync(Tls(serverName: "redis.other.example"), "TLS handshake failed: the server's certificate does not name redis.other.example");
    }

    [Fact]
    public async Task WrongPassword_FailsClosedAtOnce_ConditionSaysAuthenticationFailed()
    {
        await AssertClosedPromptlyAsync(Tls(password: "not-the-password-77"), "authentication failed (WRONGPASS", "not-the-password-77");
    }

    [Fact]
    public async Task NoPassword_FailsClosed_ConditionAsksForOne()
    {
        var degraded = await AssertClosedPromptlyAsync(Tls(password: null), "authentication failed (NOAUTH");
        Assert.Contains("set KONNECT_REDIS_PASSWORD", degraded);
    }

    [Fact]
    public async Task PlainTcpToTheTlsPort_FailsClosed_SaysItIsNotRedisSpeaking()
    {
        await AssertClosedPromptlyAsync(new RedisOptions { Address = $"localhost:{_redis.Port}", Password = Password, CommandTimeout = Timeout }, "is the server expecting TLS?");
    }

    /// <summary>
    /// A closed limit through <paramref name="redis"/>: every request is refused with 503 within the command timeout
    /// (most at once), the condition appears, and neither it, the 503 nor the problem detail holds a password.
    /// </summary>
    private async Task<string> AssertClosedPromptlyAsync(RedisOptions redis, string expected, string? secret = null)
    {
        await using var gateway = await TestGateway.StartAsync(configure: o => o.Redis = redis);
        await gateway.PublishAsync(Limited(_backend, Cluster(100, "1h", RateLimitFailurePolicy.Closed)));

        var took = new List<TimeSpan>();
        for (var i = 0; i < 6; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await gateway.GetAsync("/limited/x");
            took.Add(clock.Elapsed);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var detail = (await TestGateway.ProblemAsync(response, Problem.RateLimitUnavailable)).GetProperty("detail").GetString()!;
            Assert.DoesNotContain(Password, detail, StringComparison.Ordinal);
            if (secret is not null) { Assert.DoesNotContain(secret, detail, StringComparison.Ordinal); }
        }
        Assert.All(took, t => Assert.True(t < Timeout + TimeSpan.FromMilliseconds(700), $"a request took {t.TotalMilliseconds:0} ms"));
        Assert.True(took.Count(t => t < Timeout / 2) >= 4, $"most requests should be refused at once: {string.Join(", ", took.Select(t => t.TotalMilliseconds.ToString("0")))} ms");
        Assert.Equal(0, _backend.RequestCount);

        // Requests during the first connect attempt say "connecting"; the probe then tells the cause.
        var message = await PollRedisUnavailableAsync(gateway, expected);
        Assert.True(message.Contains(expected, StringComparison.Ordinal), $"expected \"{expected}\" in: {message}");
        var degraded = RedisUnavailable(gateway)!;
        Assert.Equal(("False", "RedisUnavailable"), (degraded.Status, degraded.Reason));
        Assert.Contains($"Redis localhost:{_redis.Port}: ", degraded.Message);
        Assert.Contains("failurePolicy closed", degraded.Message);
        Assert.DoesNotContain(Password, degraded.Message, StringComparison.Ordinal);
        if (secret is not null) { Assert.DoesNotContain(secret, degraded.Message, StringComparison.Ordinal); }
        return degraded.Message;
    }
}
