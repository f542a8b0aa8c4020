using Konnect.Gateway.Resilience;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Yarp;

/// <summary>
/// Weighted random choice among the available destinations, using each destination's weight as the last publish gave
/// it (<see cref="YarpRuntime.WeightOf"/>: Gateway API backendRef weights spread over endpoints; a destination's
/// "konnect.weight" metadata where the runtime has none). Only clusters with unequal weights use it. The weights pick
/// the backend; when the rule names a load-balancing algorithm (cluster metadata "konnect.algorithm"), that algorithm
/// then picks the endpoint among the chosen backend's available endpoints.
/// </summary>
internal sealed class WeightedLoadBalancingPolicy(IServiceProvider services) : ILoadBalancingPolicy
{
    public const string PolicyName = "KonnectWeighted";

    // Resolved on first use: the policies include this one, so they cannot be constructor dependencies.
    private Dictionary<string, ILoadBalancingPolicy>? _policies;
    private YarpRuntime? _runtime;

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        _runtime ??= services.GetService<YarpRuntime>();
        var picked = PickWeighted(cluster, availableDestinations);
        if (picked is null
            || cluster.Model.Config.Metadata?.TryGetValue(ResilienceClusterConfig.AlgorithmKey, out var algorithm) != true
            || Policy(algorithm!) is not { } policy)
        {
            return picked;
        }

        // Destination ids are "b{index}/{address}": the backend is everything before the first slash.
        var backend = picked.DestinationId.AsSpan(0, picked.DestinationId.IndexOf('/') + 1);
        var siblings = new List<DestinationState>(availableDestinations.Count);
        foreach (var destination in availableDestinations)
        {
            if (destination.DestinationId.AsSpan().StartsWith(backend, StringComparison.OrdinalIgnoreCase)) { siblings.Add(destination); }
        }
        return siblings.Count <= 1 ? picked : policy.PickDestination(context, cluster, siblings) ?? picked;
    }

    private ILoadBalancingPolicy? Policy(string name)
    {
        _policies ??= services.GetServices<ILoadBalancingPolicy>()
            .Where(p => p.Name != PolicyName)
            .ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        return _policies.GetValueOrDefault(name);
    }

    private DestinationState? PickWeighted(ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count <= 1)
        {
            return count == 1 && Weight(cluster, availableDestinations[0]) > 0 ? availableDestinations[0] : null;
        }

        // Two passes over the (short) list rather than a cached table: health checks can shrink the available set
        // per request, and reading the weights fresh can never pair a destination with a stale weight.
        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            total += Weight(cluster, availableDestinations[i]);
        }

        if (total <= 0)
        {
            return null;
        }

        var point = Random.Shared.NextDouble() * total;
        DestinationState? last = null;
        for (var i = 0; i < count; i++)
        {
            var weight = Weight(cluster, availableDestinations[i]);
            if (weight <= 0)
            {
                continue;
            }

            last = availableDestinations[i];
            point -= weight;
            if (point < 0)
            {
                return last;
            }
        }

        // Rounding can leave a sliver past the end; it belongs to the last weighted destination.
        return last;
    }

    private double Weight(ClusterState cluster, DestinationState destination) =>
        _runtime?.WeightOf(cluster, destination) ?? MetadataWeight(destination);

    private static double MetadataWeight(DestinationState destination) => YarpConfigBuilder.WeightOf(destination.Model.Config.Metadata) ?? 1;
}
