using Konnect.Api.GatewayApi;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// An HTTPRoute judged against Konnect's Gateways: its parents' status so far (Accepted, and the ResolvedRefs of what
/// it names), the route it becomes when a parent accepted it, the inline policies its filters become, and the
/// listeners it attached to (for their attachedRoutes).
/// </summary>
internal sealed record HttpRouteOutcome(
    IReadOnlyList<RouteParentStatus> Parents,
    KonnectRoute? Route,
    IReadOnlyList<KeyValuePair<ObjectRef, KonnectPolicy>> Policies,
    IReadOnlyList<ListenerState> Listeners);
