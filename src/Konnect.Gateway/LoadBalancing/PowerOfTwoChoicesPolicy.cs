using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.LoadBalancing;

/// <summary>
/// The API's <c>PowerOfTwoChoices</c> (its default): two distinct available destinations drawn at random, and the one
/// with fewer requests in flight (the first drawn on a tie), as YARP's policy of that name chooses, but counting the
/// requests both forwarders have in flight (<see cref="DestinationLoad.InFlight"/>). Two draws rather than a scan keep the
/// pick constant-time and still steer clear of a busy endpoint.
/// </summary>
internal sealed class PowerOfTwoChoicesPolicy : ILoadBalancingPolicy
{
    /// <summary>YARP's policy keeps the name "PowerOfTwoChoices", and YARP wants every policy's name to be unique.</summary>
    public const string PolicyName = "KonnectPowerOfTwoChoices";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count <= 1) { return count == 1 ? availableDestinations[0] : null; }

        var firstIndex = Random.Shared.Next(count);
        // The second draw skips the first's slot, so the two are distinct without a retry loop.
        var secondIndex = Random.Shared.Next(count - 1);
        if (secondIndex >= firstIndex) { secondIndex++; }
        var first = availableDestinations[firstIndex];
        var second = availableDestinations[secondIndex];
        return DestinationLoad.InFlight(first) <= DestinationLoad.InFlight(second) ? first : second;
    }
}
