using System.Globalization;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Yarp;

/// <summary>
/// Weighted random choice among the available destinations, using each destination's "konnect.weight" metadata
/// (Gateway API backendRef weights spread over endpoints). Only clusters with unequal weights use it.
/// </summary>
internal sealed class WeightedLoadBalancingPolicy : ILoadBalancingPolicy
{
    public const string PolicyName = "KonnectWeighted";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count <= 1)
        {
            return count == 1 && Weight(availableDestinations[0]) > 0 ? availableDestinations[0] : null;
        }

        // Two passes over the (short) list rather than a cached table: health checks can shrink the available set
        // per request, and reading the weights fresh can never pair a destination with a stale weight.
        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            total += Weight(availableDestinations[i]);
        }

        if (total <= 0)
        {
            return null;
        }

        var point = Random.Shared.NextDouble() * total;
        DestinationState? last = null;
        for (var i = 0; i < count; i++)
        {
            var weight = Weight(availableDestinations[i]);
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

    private static double Weight(DestinationState destination) =>
        destination.Model.Config.Metadata is { } metadata
        && metadata.TryGetValue(YarpConfigBuilder.WeightKey, out var text)
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight)
        && double.IsFinite(weight)
            ? weight
            : 1;
}
