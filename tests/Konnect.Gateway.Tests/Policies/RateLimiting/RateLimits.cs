using System.Net;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Model;
using Konnect.Gateway.Tests.Infrastructure;

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
