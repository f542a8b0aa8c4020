using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.LoadBalancing;

/// <summary>
/// The API's <c>LeastRequests</c>: the available destination with the fewest requests in flight (the first of them on
/// a tie), as YARP's policy of that name chooses, but counting the requests both forwarders have in flight
/// (<see cref="DestinationLoad.InFlight"/>). YARP's own policy sees only what YARP's forwarder sent.
/// </summary>
internal sealed class LeastRequestsPolicy : ILoadBalancingPolicy
{
    /// <summary>YARP's policy keeps the name "LeastRequests", and YARP wants every policy's name to be unique.</summary>
    public const string PolicyName = "KonnectLeastRequests";

    public string Name => PolicyName;

    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        var count = availableDestinations.Count;
        if (count == 0) { return null; }

        var least = availableDestinations[0];
        var leastLoad = DestinationLoad.InFlight(least);
        for (var i = 1; i < count; i++)
        {
            var destination = availableDestinations[i];
            var load = DestinationLoad.InFlight(destination);
            if (load < leastLoad)
            {
                (least, leastLoad) = (destination, load);
            }
        }

        return least;
    }
}
