using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Resilience;

public sealed class CircuitBreakerTests : ResilienceFixture
{
    private static readonly CircuitBreakerModel Breaker = new()
    {
        Policy = "test/cb", FailureRatio = 0.5, MinimumThroughput = 2, SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task Breaker_OpensAfterFailures_Answers503WithoutUpstream_ThenHalfOpensAndCloses()
    {
        await Gateway.PublishAsync(Rule(new() { CircuitBreaker = Breaker }, A.Url("/a")));
        A.ForcedStatus = 500;
        Assert.Equal("500", await Gateway.BodyAsync("/x"));
        Assert.Equal("500", await Gateway.BodyAsync("/x"));
        Assert.Equal(2, A.RequestCount);

        using (var open = await Gateway.GetAsync("/x"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, open.StatusCode);
            var problem = await TestGateway.ProblemAsync(open, Problem.CircuitOpen);
            Assert.EndsWith("/circuit-open", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(2, A.RequestCount);
        Assert.Equal(1, await CircuitOpenAsync());

        // After the break one probe goes through (half-open); it succeeds, so the circuit closes.
        A.ForcedStatus = null;
        Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("/a/x", await Gateway.BodyAsync("/x"));
        Assert.Equal("/a/x", await Gateway.BodyAsync("/x"));
        Assert.Equal(4, A.RequestCount);
        Assert.Equal(0, await CircuitOpenAsync());
    }

    /// <summary>konnect_circuit_open of the "app" backend, from a real scrape of the admin port.</summary>
    private async Task<double?> CircuitOpenAsync()
    {
        var scrape = new Konnect.Testing.Metrics.Scrape(await (await Gateway.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync());
        return scrape["konnect_circuit_open{backend=\"app\",namespace=\"test\",route=\"app\"}"];
    }

    [Fact]
    public async Task Breaker_HalfOpenProbeFails_OpensAgain()
    {
        await Gateway.PublishAsync(Rule(new() { CircuitBreaker = Breaker }, A.Url("/a")));
        A.ForcedStatus = 500;
        await Gateway.BodyAsync("/x");
        await Gateway.BodyAsync("/x");
        await Gateway.GetProblemAsync("/x", Problem.CircuitOpen);

        Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("500", await Gateway.BodyAsync("/x"));
        await Gateway.GetProblemAsync("/x", Problem.CircuitOpen);
        Assert.Equal(3, A.RequestCount);
    }

    [Fact]
    public async Task Breaker_IsPerBackend_OtherBackendKeepsServing()
    {
        var route = Rule(new() { CircuitBreaker = Breaker, LoadBalancing = Algorithm("RoundRobin") }, A.Url("/a")) with
        {
            Backends =
            [
                new BackendModel { Name = "a", Weight = 1, Endpoints = [A.Url("/a")] },
                new BackendModel { Name = "b", Weight = 1, Endpoints = [B.Url("/b")] },
            ],
        };
        await Gateway.PublishAsync(route);
        A.ForcedStatus = 500;

        // Two weighted backends: the weights pick the backend at random (even odds), so A is picked about every other
        // request. Its breaker opens after its two failures (ratio 0.5, throughput 2); B serves throughout.
        var seen = new List<string>();
        for (var i = 0; i < 24; i++) { seen.Add(await WhoAsync()); }

        Assert.Equal(2, seen.Count(s => s == "500"));
        Assert.Contains("503 circuit-open", seen);
        Assert.Contains("b", seen);
        Assert.All(seen, s => Assert.Contains(s, new[] { "500", "503 circuit-open", "b" }));
        Assert.Equal(2, A.RequestCount);
    }
}
