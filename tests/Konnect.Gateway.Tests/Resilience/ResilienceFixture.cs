using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy;
using DestinationHealthState = Yarp.ReverseProxy.Model.DestinationHealthState;

namespace Konnect.Gateway.Tests.Resilience;

/// <summary>
/// Two real upstreams, A and B, and a gateway whose clock for breakers and retry budgets is <see cref="Clock"/>.
/// Rules send A's endpoint the base path "/a" and B's "/b", so the body (the path the upstream saw) names the endpoint.
/// </summary>
public abstract class ResilienceFixture : IAsyncLifetime
{
    internal TestBackend A { get; private set; } = null!;
    internal TestBackend B { get; private set; } = null!;
    internal TestGateway Gateway { get; private set; } = null!;
    internal ManualClock Clock { get; } = new();

    public async Task InitializeAsync()
    {
        A = await TestBackend.StartAsync();
        B = await TestBackend.StartAsync();
        Gateway = await TestGateway.StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    /// <summary>One rule on "/" with one backend holding the given endpoints.</summary>
    internal static RouteModel Rule(ResilienceModel resilience, params string[] endpoints) =>
        Routes.Route("app", endpoints[0]) with
        {
            Backends = [new BackendModel { Name = "app", Weight = 1, Endpoints = endpoints }],
            Policies = new PoliciesModel { Resilience = resilience },
        };

    internal static LoadBalancingModel Algorithm(string name, AffinityModel? affinity = null) =>
        new() { Policy = "test/lb", Algorithm = name, Affinity = affinity };

    /// <summary>
    /// "a" or "b" for a 200 from that upstream; for an answer the gateway made itself, its status and which problem it is
    /// ("503 circuit-open"); else the upstream's own status code ("500").
    /// </summary>
    internal async Task<string> WhoAsync(string path = "/x", params (string, string)[] headers)
    {
        using var response = await Gateway.GetAsync(path, headers: headers);
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            if (response.Content.Headers.ContentType?.MediaType != ProblemResponse.ContentType) { return $"{(int)response.StatusCode}"; }
            var type = (await TestGateway.ProblemAsync(response)).GetProperty("type").GetString()!;
            return $"{(int)response.StatusCode} {type[(type.LastIndexOf('/') + 1)..]}";
        }
        var body = await response.Content.ReadAsStringAsync();
        return body.StartsWith("/a/", StringComparison.Ordinal) ? "a" : body.StartsWith("/b/", StringComparison.Ordinal) ? "b" : body;
    }

    /// <summary>YARP's view of an endpoint's health in the test rule's cluster.</summary>
    internal DestinationHealthState Health(string endpoint)
    {
        var lookup = Gateway.Services.GetRequiredService<IProxyStateLookup>();
        Assert.True(lookup.TryGetCluster("test/app/0", out var cluster));
        return cluster.Destinations[$"b0/{endpoint}"].Health;
    }

    /// <summary>Whether YARP currently counts the endpoint as available (what load balancing picks from).</summary>
    internal bool Available(string endpoint)
    {
        var lookup = Gateway.Services.GetRequiredService<IProxyStateLookup>();
        Assert.True(lookup.TryGetCluster("test/app/0", out var cluster));
        return cluster.DestinationsState.AvailableDestinations.Any(d => d.DestinationId == $"b0/{endpoint}");
    }

    /// <summary>Waits (bounded) for a condition that background work such as probes makes true.</summary>
    internal static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(condition(), $"timed out waiting until {what}");
    }
}

/// <summary>A clock tests move by hand: breakers and retry budgets see no time pass unless the test says so.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
