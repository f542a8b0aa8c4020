using System.Net;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Policies.RateLimiting;

/// <summary>Rate-limited routes and the checks every rate-limit test makes on a response.</summary>
internal static class RateLimits
{
    public static RateLimitModel Block(RateLimitKey key, params (long Requests, string Period)[] limits) => new()
    {
        Policy = "test/limits",
        Limits = limits.Select(l => new RateLimitWindowModel(l.Requests, Period(l.Period), l.Requests)).ToArray(),
        Key = key,
        Scope = RateLimitScope.Local,
    };

    /// <summary>A cluster-scoped block keyed by route.</summary>
    public static RateLimitModel Cluster(long requests, string period, RateLimitFailurePolicy failure = RateLimitFailurePolicy.Open) =>
        Block(RateLimitKey.Route, (requests, period)) with { Scope = RateLimitScope.Cluster, FailurePolicy = failure };

    /// <summary>The gateway's data-plane condition of type RedisAvailable on test/limits, as the reconciler would overlay it.</summary>
    public static Condition? RedisUnavailable(TestGateway gateway)
    {
        var conditions = gateway.Services.GetRequiredService<DataPlaneConditions>();
        var status = conditions.Overlay([new ObjectStatus { Object = new ObjectRef(KonnectPolicy.KindName, "test", "limits"), Conditions = [] }]).Single();
        return status.Conditions.SingleOrDefault(c => c.Type == "RedisAvailable");
    }

    /// <summary>Polls (10 s) until the RedisAvailable condition is present (<paramref name="expected"/>) or absent.</summary>
    public static async Task<Condition?> PollRedisUnavailableAsync(TestGateway gateway, bool expected)
    {
        for (var i = 0; i < 100 && (RedisUnavailable(gateway) is not null) != expected; i++) { await Task.Delay(100); }
        return RedisUnavailable(gateway);
    }

    /// <summary>Polls (15 s) until the RedisAvailable condition's message contains <paramref name="text"/>; returns the last message.</summary>
    public static async Task<string> PollRedisUnavailableAsync(TestGateway gateway, string text)
    {
        for (var i = 0; i < 150 && RedisUnavailable(gateway)?.Message?.Contains(text, StringComparison.Ordinal) != true; i++) { await Task.Delay(100); }
        return RedisUnavailable(gateway)?.Message ?? "(no RedisAvailable condition)";
    }

    public static TimeSpan Period(string text) => Konnect.Api.Duration.TryParse(text, out var value) ? value : throw new FormatException(text);

    public static RouteModel Limited(TestBackend backend, RateLimitModel block, string name = "limited", PoliciesModel? with = null) =>
        Routes.Route(name, backend.Url("/" + name), Routes.Prefix("/" + name)) with
        {
            Policies = (with ?? new PoliciesModel()) with { RateLimit = block },
        };

    public static long Header(HttpResponseMessage response, string name) => long.Parse(response.Headers.GetValues(name).Single());

    /// <summary>Asserts a 429 problem+json with Retry-After, and returns Retry-After.</summary>
    public static async Task<long> AssertLimitedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response);
        Assert.EndsWith("/rate-limited", problem.GetProperty("type").GetString());
        Assert.Equal(0, Header(response, "RateLimit-Remaining"));
        var retryAfter = response.Headers.RetryAfter?.Delta?.TotalSeconds ?? -1;
        Assert.True(retryAfter >= 1, $"Retry-After {retryAfter}");
        return (long)retryAfter;
    }

    /// <summary>
    /// Returns <paramref name="gateway"/> once its Redis answers a PING (15 s at most). The first connection is made in
    /// the background and, on a loaded machine, a TLS or Sentinel connect can outlast the first requests' wait, which
    /// then follow failurePolicy; tests of limiting start once it is up (PING touches no rate-limit key).
    /// </summary>
    public static async Task<TestGateway> RedisAnsweringAsync(this TestGateway gateway)
    {
        var redis = gateway.Services.GetRequiredService<Konnect.Gateway.Redis.RedisConnection>();
        string? problem = null;
        for (var i = 0; i < 150 && (problem = await redis.PingAsync()) is not null; i++) { await Task.Delay(100); }
        Assert.True(problem is null, $"Redis not answering after 15 s: {problem}");
        return gateway;
    }

    /// <summary>Sends requests until one is refused; returns how many were admitted (at most <paramref name="max"/>).</summary>
    public static async Task<int> AdmittedUntilLimitedAsync(TestGateway gateway, string path, int max, params (string Name, string Value)[] headers)
    {
        for (var i = 0; i < max; i++)
        {
            using var response = await gateway.GetAsync(path, headers: headers);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) { return i; }
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        return max;
    }
}
