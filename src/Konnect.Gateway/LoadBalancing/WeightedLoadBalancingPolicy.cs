using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.LoadBalancing;

/// <summary>
/// Weighted random choice among the available destinations, using each destination's weight as the last publish gave
/// it (<see cref="DestinationWeights"/>: Gateway API backendRef weights spread over endpoints; a destination's
/// "konnect.weight" metadata where the table has none). Only clusters with unequal weights use it. The weights pick
/// the backend; when the rule names a load-balancing algorithm (cluster metadata <see cref="AlgorithmKey"/>), that
/// algorithm then picks the endpoint among the chosen backend's available endpoints.
/// </summary>
internal sealed class WeightedLoadBalancingPolicy(IServiceProvider services) : ILoadBalancingPolicy
{
    public const string PolicyName = "KonnectWeighted";

    /// <summary>Cluster metadata: the load-balancing policy that picks among the chosen backend's endpoints.</summary>
    public const string AlgorithmKey = "konnect.algorithm";

    // Resolved on first use: the policies include this one, so they cannot be constructor dependencies.
    private Dictionary<string, ILoadBalancingPolicy>? _policies;
    private DestinationWeights? _weights;

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        _weights ??= services.GetService<DestinationWeights>();
        var picked = PickWeighted(cluster, availableDestinations);
        if (picked is null
            || cluster.Model.Config.Metadata?.TryGetValue(AlgorithmKey, out var algorithm) != true
            || Policy(algorithm!) is not { } policy)
        {
            return picked;
        }

        // The backend is the picked destination's; an id Konnect did not build (none today) keeps every destination.
        var siblings = new List<DestinationState>(availableDestinations.Count);
        var known = DestinationId.TryParseBackend(picked.DestinationId, out var backend);
        foreach (var destination in availableDestinations)
        {
            if (!known || (DestinationId.TryParseBackend(destination.DestinationId, out var other) && other == backend)) { siblings.Add(destination); }
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
        _weights?.WeightOf(cluster, destination) ?? MetadataWeight(destination);

    private static double MetadataWeight(DestinationState destination) => DestinationWeights.WeightOf(destination.Model.Config.Metadata) ?? 1;
}
