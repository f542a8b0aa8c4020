using Konnect.Controller.Model;
using Konnect.Gateway.Tests.Resilience;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Tests.Yarp;

/// <summary>
/// Konnect keeps YARP's runtime objects itself (YarpRuntime): an endpoint change must edit a cluster in place, keeping
/// what health checks learnt about the endpoints that stayed, and a changed cluster setting must reach YARP's health
/// check monitor as a new cluster.
/// </summary>
public sealed class YarpRuntimeTests : ResilienceFixture
{
    [Fact]
    public async Task EndpointAdded_EndpointEjectedByPassiveHealth_StaysEjected()
    {
        var health = new HealthCheckModel
        {
            Policy = "test/hc",
            Passive = new PassiveHealthModel { ConsecutiveFailures = 2, ReactivationPeriod = TimeSpan.FromMinutes(5) },
        };
        var resilience = new ResilienceModel { LoadBalancing = Algorithm("RoundRobin"), HealthCheck = health };
        await Gateway.PublishAsync(Rule(resilience, A.Url("/a"), B.Url("/b")));
        B.ForcedStatus = 500;
        for (var i = 0; i < 4; i++) { await WhoAsync(); }
        await EventuallyAsync(() => Health(B.Url("/b")).Passive == DestinationHealth.Unhealthy && !Available(B.Url("/b")), "B is ejected");

        // A third endpoint arrives (a pod started): the cluster's destinations change, B's ejection must not.
        await Gateway.PublishAsync(Rule(resilience, A.Url("/a"), B.Url("/b"), A.Url("/a2")));
        var before = B.RequestCount;
        var seen = new HashSet<string>();
        for (var i = 0; i < 6; i++) { seen.Add(await WhoAsync()); }

        Assert.Equal(DestinationHealth.Unhealthy, Health(B.Url("/b")).Passive);
        Assert.False(Available(B.Url("/b")));
        Assert.Equal(before, B.RequestCount);
        Assert.Equal(["/a2/x", "a"], seen.Order(StringComparer.Ordinal)); // the new endpoint (upstream A under /a2) takes B's share
        Assert.True(Available(A.Url("/a2")));
    }

    [Fact]
    public async Task ActiveHealthCheckAddedByALaterPublish_ProbesStart_AndAnUnhealthyEndpointIsAvoided()
    {
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("RoundRobin") }, A.Url("/a"), B.Url("/b")));
        Assert.Equal(["a", "b"], new[] { await WhoAsync(), await WhoAsync() }.Order(StringComparer.Ordinal));
        B.Healthy = false;

        var probe = new ActiveHealthModel
        {
            Path = "/probe", Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(1), HealthyThreshold = 2, UnhealthyThreshold = 2,
        };
        await Gateway.PublishAsync(Rule(new() { LoadBalancing = Algorithm("RoundRobin"), HealthCheck = new HealthCheckModel { Policy = "test/hc", Active = probe } },
            A.Url("/a"), B.Url("/b")));

        await EventuallyAsync(() => Health(B.Url("/b")).Active == DestinationHealth.Unhealthy && !Available(B.Url("/b")), "B's probes fail");
        var before = B.RequestCount;
        for (var i = 0; i < 4; i++) { Assert.Equal("a", await WhoAsync()); }
        Assert.Equal(before, B.RequestCount);
    }
}
