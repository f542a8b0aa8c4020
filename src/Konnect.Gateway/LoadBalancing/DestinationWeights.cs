using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.LoadBalancing;

/// <summary>
/// The weight of each destination of the weighted clusters, as the last publish gave it: the Gateway API backendRef's
/// weight spread over the backend's endpoints, carried in the destination's "konnect.weight" metadata. A destination's
/// weight changes whenever its backend gains or loses an endpoint, so the weights are kept here, beside the
/// destination states rather than in their configs: a destination whose config changes needs a new state (YARP's
/// setter is internal), and that would forget its health. Written by the runtime that applies clusters (Management's
/// YarpRuntime), read by <see cref="WeightedLoadBalancingPolicy"/>.
/// </summary>
internal sealed class DestinationWeights
{
    public const string WeightKey = "konnect.weight";

    // Read-only and equal for every destination of the same weight: 20,000 endpoints share a handful of these.
    private static readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> MetadataCache = new(StringComparer.Ordinal);

    private readonly ConditionalWeakTable<ClusterState, Dictionary<string, double>> _weights = new();

    /// <summary>
    /// Takes the weights of <paramref name="cluster"/>'s destinations for <paramref name="state"/> when the cluster is
    /// weighted, else forgets any it had. Call before its destinations change, so a kept destination is never weighed by
    /// the old table next to new ones.
    /// </summary>
    public void Update(ClusterState state, ClusterConfig cluster)
    {
        if (!string.Equals(cluster.LoadBalancingPolicy, WeightedLoadBalancingPolicy.PolicyName, StringComparison.Ordinal))
        {
            _weights.Remove(state);
            return;
        }

        var weights = new Dictionary<string, double>(cluster.Destinations?.Count ?? 0, StringComparer.OrdinalIgnoreCase);
        foreach (var (id, destination) in cluster.Destinations ?? new Dictionary<string, DestinationConfig>())
        {
            if (WeightOf(destination.Metadata) is { } weight) { weights[id] = weight; }
        }

        _weights.AddOrUpdate(state, weights);
    }

    /// <summary>The weight the last publish gave <paramref name="destination"/>, or null when its cluster has none.</summary>
    public double? WeightOf(ClusterState cluster, DestinationState destination) =>
        _weights.TryGetValue(cluster, out var weights) && weights.TryGetValue(destination.DestinationId, out var weight) ? weight : null;

    /// <summary>The weight a destination's metadata gives it, or null when it has none (or not a finite number).</summary>
    public static double? WeightOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.GetValueOrDefault(WeightKey) is { } text
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) && double.IsFinite(weight)
            ? weight
            : null;

    /// <summary>The metadata that gives a destination <paramref name="weight"/> (formatted "R").</summary>
    public static IReadOnlyDictionary<string, string> Metadata(string weight) =>
        MetadataCache.Count < 1024
            ? MetadataCache.GetOrAdd(weight, static w => new Dictionary<string, string> { [WeightKey] = w })
            : new Dictionary<string, string> { [WeightKey] = weight };
}
