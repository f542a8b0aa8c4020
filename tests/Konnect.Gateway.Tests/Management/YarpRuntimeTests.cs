using Konnect.Model;
using Konnect.Gateway.Tests.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Tests.Management;

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
    public async Task BackendGainsAnEndpoint_EndpointEjectedInTheOtherBackend_StaysEjected()
    {
        // Two backends of weight 1: the per-endpoint weights change with the endpoint counts (1/2 and 1/2, then 1/2
        // and 1/3), which must not change the cluster's settings, or its endpoints' health would start over.
        var health = new HealthCheckModel
        {
            Policy = "test/hc",
            Passive = new PassiveHealthModel { ConsecutiveFailures = 1, ReactivationPeriod = TimeSpan.FromMinutes(5) },
        };
        Konnect.Model.RouteModel Split(params string[] bEndpoints) => Rule(new() { HealthCheck = health }, A.Url("/a")) with
        {
            Backends =
            [
                new BackendModel { Name = "a", Weight = 1, Endpoints = [A.Url("/a"), A.Url("/a2")] },
                new BackendModel { Name = "b", Weight = 1, Endpoints = bEndpoints },
            ],
        };
        await Gateway.PublishAsync(Split(B.Url("/b"), B.Url("/b2")));
        B.ForcedStatus = 500;
        // Weighted random choice: send until B's /b endpoint has failed once (the policy then ejects it).
        for (var i = 0; i < 200 && Destination($"b1/{B.Url("/b")}").Health.Passive != DestinationHealth.Unhealthy; i++) { await WhoAsync(); }
        await EventuallyAsync(() => Destination($"b1/{B.Url("/b")}").Health.Passive == DestinationHealth.Unhealthy, "B's /b endpoint is ejected");
        var cluster = Cluster();

        await Gateway.PublishAsync(Split(B.Url("/b"), B.Url("/b2"), A.Url("/b3")));

        Assert.Same(cluster, Cluster());
        Assert.Equal(DestinationHealth.Unhealthy, Destination($"b1/{B.Url("/b")}").Health.Passive);
        Assert.DoesNotContain(Cluster().DestinationsState.AvailableDestinations, d => d.DestinationId == $"b1/{B.Url("/b")}");
    }

    private ClusterState Cluster() =>
        Gateway.Services.GetRequiredService<global::Yarp.ReverseProxy.IProxyStateLookup>().TryGetCluster("test/app/0", out var cluster)
            ? cluster
            : throw new InvalidOperationException("no cluster test/app/0");

    private DestinationState Destination(string id) => Cluster().Destinations[id];

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
