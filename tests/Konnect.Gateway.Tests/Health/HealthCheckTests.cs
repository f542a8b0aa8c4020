using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Resilience;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Tests.Health;

public sealed class HealthCheckTests : ResilienceFixture
{
    private static readonly ActiveHealthModel Probe = new()
    {
        Path = "/probe", Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(1), HealthyThreshold = 2, UnhealthyThreshold = 2,
    };

    [Fact]
    public async Task Active_ProbeFails_TrafficAvoidsEndpoint_ThenReturnsWhenItPasses()
    {
        var health = new HealthCheckModel { Policy = "test/hc", Active = Probe };
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("RoundRobin"), HealthCheck = health }, A.Url("/a"), B.Url("/b")));
        await EventuallyAsync(() => Health(B.Url("/b")).Active == DestinationHealth.Healthy, "B's probes pass");

        B.Healthy = false;
        await EventuallyAsync(() => Health(B.Url("/b")).Active == DestinationHealth.Unhealthy && !Available(B.Url("/b")), "B is marked unhealthy");
        var before = B.RequestCount;
        for (var i = 0; i < 4; i++) { Assert.Equal("a", await WhoAsync()); }
        Assert.Equal(before, B.RequestCount);

        B.Healthy = true;
        await EventuallyAsync(() => Health(B.Url("/b")).Active == DestinationHealth.Healthy && Available(B.Url("/b")), "B is healthy again");
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++) { seen.Add(await WhoAsync()); }
        Assert.Equal(["a", "b"], seen.Order());
    }

    [Fact]
    public async Task Active_EveryEndpointUnhealthy_503NoDestination()
    {
        var health = new HealthCheckModel { Policy = "test/hc", Active = Probe };
        await Gateway.PublishAsync(Rule(new() { HealthCheck = health }, A.Url("/a")));
        A.Healthy = false;
        await EventuallyAsync(() => Health(A.Url("/a")).Active == DestinationHealth.Unhealthy && !Available(A.Url("/a")), "A is marked unhealthy");
        var before = A.RequestCount;

        using var response = await Gateway.GetAsync("/x");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response, Problem.NoDestination);
        Assert.EndsWith("/no-destination", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, A.RequestCount);
    }

    [Fact]
    public async Task Passive_ConsecutiveFailures_EjectsEndpoint_ThenReinstatesIt()
    {
        var health = new HealthCheckModel
        {
            Policy = "test/hc",
            // Long enough that B cannot come back (still failing) while the four requests below run on a loaded
            // machine, short enough to wait for.
            Passive = new PassiveHealthModel { ConsecutiveFailures = 2, ReactivationPeriod = TimeSpan.FromSeconds(3) },
        };
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("RoundRobin"), HealthCheck = health }, A.Url("/a"), B.Url("/b")));
        B.ForcedStatus = 500;

        // RoundRobin alternates, so B sees its two failures within the first few requests and is then ejected.
        for (var i = 0; i < 4; i++) { await WhoAsync(); }
        Assert.Equal(2, B.RequestCount);
        // The policy runs as the response completes, so the client may see B's answer an instant before the ejection.
        await EventuallyAsync(() => Health(B.Url("/b")).Passive == DestinationHealth.Unhealthy && !Available(B.Url("/b")), "B is ejected");
        for (var i = 0; i < 4; i++) { Assert.Equal("a", await WhoAsync()); }
        Assert.Equal(2, B.RequestCount);

        B.ForcedStatus = null;
        await EventuallyAsync(() => Health(B.Url("/b")).Passive != DestinationHealth.Unhealthy && Available(B.Url("/b")), "B's reactivation period ends");
        var seen = new HashSet<string>();
        for (var i = 0; i < 4; i++) { seen.Add(await WhoAsync()); }
        Assert.Equal(["a", "b"], seen.Order());
    }
}
