using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Resilience;

namespace Konnect.Gateway.Tests.LoadBalancing;

public sealed class LoadBalancingTests : ResilienceFixture
{
    [Fact]
    public async Task RoundRobin_TwoEndpoints_Alternates()
    {
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("RoundRobin") }, A.Url("/a"), B.Url("/b")));

        var seen = new List<string>();
        for (var i = 0; i < 6; i++) { seen.Add(await WhoAsync()); }

        Assert.All(seen, s => Assert.Contains(s, new[] { "a", "b" }));
        for (var i = 1; i < seen.Count; i++) { Assert.NotEqual(seen[i - 1], seen[i]); }
    }

    [Fact]
    public async Task First_HealthyEndpoints_AlwaysTheOneThatSortsFirst()
    {
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("First") }, A.Url("/a"), B.Url("/b")));
        var first = string.CompareOrdinal(A.Url(), B.Url()) < 0 ? "a" : "b";

        for (var i = 0; i < 5; i++) { Assert.Equal(first, await WhoAsync()); }
        Assert.Equal(0, (first == "a" ? B : A).RequestCount);
    }

    // PowerOfTwoChoices with two endpoints always draws both (its two choices are distinct), so it must pick the idle one too.
    // Plain requests go through Konnect's own forwarder, requests with "Expect: 100-continue" through YARP's: each one
    // counts what the other has in flight, so neither sends new requests to the endpoint the other keeps busy.
    [Theory]
    [InlineData("LeastRequests", false, false)]
    [InlineData("LeastRequests", false, true)]
    [InlineData("LeastRequests", true, false)]
    [InlineData("LeastRequests", true, true)]
    [InlineData("PowerOfTwoChoices", false, false)]
    [InlineData("PowerOfTwoChoices", false, true)]
    [InlineData("PowerOfTwoChoices", true, false)]
    [InlineData("PowerOfTwoChoices", true, true)]
    public async Task LoadAware_OneEndpointHoldsARequest_IdleOneGetsTheRest(string algorithm, bool heldThroughYarp, bool restThroughYarp)
    {
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm(algorithm) }, A.Url("/a"), B.Url("/b")));

        var held = Gateway.GetAsync("/slow", headers: heldThroughYarp ? [ThroughYarp] : []);
        var busy = await Task.WhenAny(A.SlowStarted, B.SlowStarted);
        var idle = busy == A.SlowStarted ? "b" : "a";

        // Eight picks: without the held request counted, power-of-two-choices would pass by chance once in 256 runs.
        for (var i = 0; i < 8; i++) { Assert.Equal(idle, await WhoAsync("/x", restThroughYarp ? [ThroughYarp] : [])); }

        A.ReleaseSlow();
        B.ReleaseSlow();
        using var response = await held;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task WeightedBackends_WithLeastRequests_TheAlgorithmWithinTheBackendSeesRequestsInFlight()
    {
        // Backend "heavy" (A and B) outweighs "light" 100000:1; within it LeastRequests must avoid the endpoint held busy.
        var route = Rule(new() { LoadBalancing = Algorithm("LeastRequests") }, A.Url("/a"), B.Url("/b")) with
        {
            Backends =
            [
                new BackendModel { Name = "heavy", Weight = 100000, Endpoints = [A.Url("/a"), B.Url("/b")] },
                new BackendModel { Name = "light", Weight = 1, Endpoints = [A.Url("/light")] },
            ],
        };
        await Gateway.PublishAsync(route);

        var held = Gateway.GetAsync("/slow");
        var busy = await Task.WhenAny(A.SlowStarted, B.SlowStarted);
        var idle = busy == A.SlowStarted ? "b" : "a";

        for (var i = 0; i < 4; i++) { Assert.Equal(idle, await WhoAsync()); }

        A.ReleaseSlow();
        B.ReleaseSlow();
        using var response = await held;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A header that makes Konnect's forwarder hand the request to YARP's (it does not do 100-continue).</summary>
    private static readonly (string, string) ThroughYarp = ("Expect", "100-continue");

    [Fact]
    public async Task Random_TwoEndpoints_BothServeAndTheOrderIsNotRoundRobin()
    {
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("Random") }, A.Url("/a"), B.Url("/b")));

        var seen = new List<string>();
        for (var i = 0; i < 64; i++) { seen.Add(await WhoAsync()); }

        // Each of these fails by chance with probability 2^-63: one endpoint only, or a perfect alternation.
        Assert.Contains("a", seen);
        Assert.Contains("b", seen);
        Assert.Contains(Enumerable.Range(1, seen.Count - 1), i => seen[i] == seen[i - 1]);
    }

    [Fact]
    public async Task CookieAffinity_ClientSendsCookieBack_SticksToOneEndpoint()
    {
        var affinity = new AffinityModel { Kind = AffinityKind.Cookie, Name = "app-affinity", Ttl = TimeSpan.FromHours(1) };
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("RoundRobin", affinity) }, A.Url("/a"), B.Url("/b")));

        using var first = await Gateway.GetAsync("/x");
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("app-affinity=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        var pinned = (await first.Content.ReadAsStringAsync())[1..2];
        var pair = cookie.Split(';')[0];

        // Without the cookie RoundRobin would alternate; with it every request goes back to the same endpoint.
        for (var i = 0; i < 5; i++) { Assert.Equal(pinned, await WhoAsync("/x", ("Cookie", pair))); }
    }

    [Fact]
    public async Task HeaderAffinity_ClientEchoesHeader_SticksToOneEndpoint()
    {
        var affinity = new AffinityModel { Kind = AffinityKind.Header, Name = "x-affinity" };
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("RoundRobin", affinity) }, A.Url("/a"), B.Url("/b")));

        using var first = await Gateway.GetAsync("/x");
        var key = Assert.Single(first.Headers.GetValues("x-affinity"));
        var pinned = (await first.Content.ReadAsStringAsync())[1..2];

        for (var i = 0; i < 5; i++) { Assert.Equal(pinned, await WhoAsync("/x", ("x-affinity", key))); }
    }

    [Fact]
    public async Task WeightedBackends_WithRoundRobin_WeightsPickTheBackendAlgorithmPicksTheEndpoint()
    {
        // Backend "heavy" (A and B) outweighs "light" 100000:1, so every request lands on it; within it RoundRobin alternates.
        var route = Rule(new() { LoadBalancing = Algorithm("RoundRobin") }, A.Url("/a"), B.Url("/b")) with
        {
            Backends =
            [
                new BackendModel { Name = "heavy", Weight = 100000, Endpoints = [A.Url("/a"), B.Url("/b")] },
                new BackendModel { Name = "light", Weight = 1, Endpoints = [A.Url("/light")] },
            ],
        };
        await Gateway.PublishAsync(route);

        var seen = new List<string>();
        for (var i = 0; i < 6; i++) { seen.Add(await WhoAsync()); }

        Assert.All(seen, s => Assert.Contains(s, new[] { "a", "b" }));
        for (var i = 1; i < seen.Count; i++) { Assert.NotEqual(seen[i - 1], seen[i]); }
    }
}
