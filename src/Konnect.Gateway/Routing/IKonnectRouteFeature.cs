using Konnect.Model;

namespace Konnect.Gateway.Routing;

/// <summary>
/// The rule and match a request was routed by, set by the router before the proxy pipeline runs.
/// The instance is shared by all requests taking the same match, so it is immutable.
/// </summary>
public interface IKonnectRouteFeature
{
    string RouteId { get; }

    RouteModel Route { get; }

    MatchModel Match { get; }
}
