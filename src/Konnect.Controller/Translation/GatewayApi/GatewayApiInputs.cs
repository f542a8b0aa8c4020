using System.Runtime.CompilerServices;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// The Gateway API objects as the translator takes them: Konnect's GatewayClasses (controllerName
/// konnect.dev/gateway-controller), their Gateways' listeners, and each HTTPRoute attached to them as one route
/// keyed (HTTPRoute, namespace, name), with the inline policies its filters became. Statuses that depend on nothing
/// else are made here; a Gateway's certificates are judged per pass (<see cref="GatewayStatuses"/>), since validity
/// depends on the clock.
/// </summary>
internal sealed class GatewayApiInputs
{
    public static readonly GatewayApiInputs Empty = new([], [], [], [], [], []);

    // An HTTPRoute's outcome, kept while it and every collection it is judged against are the same instances: an edit
    // to one route among thousands translates that route only, and the others keep their route objects (and so their
    // compiled candidates).
    private static readonly ConditionalWeakTable<IKubernetesObject, Cached> Outcomes = [];

    private sealed record Cached(object Gateways, object Classes, object Grants, object Namespaces, PolicyTargets Targets, HttpRouteOutcome Outcome, ObjectStatus Status);

    // A Gateway's judged listeners, kept while it and the namespaces are the same instances: cached route outcomes
    // name listeners by instance.
    private static readonly ConditionalWeakTable<Gateway, JudgedGateway> Judged = [];

    private sealed record JudgedGateway(object Namespaces, IReadOnlyList<ListenerState> Listeners);

    private readonly List<(ObjectRef Route, IReadOnlyList<ListenerState> Listeners)> _routeListeners;

    private GatewayApiInputs(List<KeyValuePair<ObjectRef, KonnectRoute>> routes, List<(ObjectRef, IReadOnlyList<ListenerState>)> routeListeners,
        List<KeyValuePair<ObjectRef, KonnectPolicy>> policies, List<ObjectStatus> statuses, Dictionary<ObjectRef, IReadOnlyList<ListenerState>> gateways,
        Dictionary<ListenerState, int> attached)
    {
        _routeListeners = routeListeners;
        Routes = routes;
        Policies = policies;
        Statuses = statuses;
        Gateways = gateways;
        AttachedRoutes = attached;
    }

    public IReadOnlyList<KeyValuePair<ObjectRef, KonnectRoute>> Routes { get; }

    /// <summary>
    /// Each route attached to a Gateway of Konnect's (served or, its hosts all taken by more specific listeners, not)
    /// with those Gateways, for policy attachment's status; made at the
    /// first use, which only a policy with targetRefs makes.
    /// </summary>
    public IReadOnlyDictionary<ObjectRef, IReadOnlyList<ObjectRef>> RouteGateways
    {
        get
        {
            if (_routeGateways is { } made) { return made; }
            var gateways = new Dictionary<ObjectRef, IReadOnlyList<ObjectRef>>();
            foreach (var (key, listeners) in _routeListeners) { gateways[key] = [.. listeners.Select(l => l.Gateway).Distinct()]; }
            return _routeGateways = gateways;
        }
    }

    private Dictionary<ObjectRef, IReadOnlyList<ObjectRef>>? _routeGateways;

    /// <summary>The inline policies of HTTPRoute filters, compiled with the KonnectPolicies but reported on their routes.</summary>
    public IReadOnlyList<KeyValuePair<ObjectRef, KonnectPolicy>> Policies { get; }

    /// <summary>GatewayClass statuses and HTTPRoute statuses (their parents); Gateway statuses come from <see cref="GatewayStatuses"/>.</summary>
    public IReadOnlyList<ObjectStatus> Statuses { get; }

    /// <summary>Konnect's Gateways, each with its judged listeners.</summary>
    public IReadOnlyDictionary<ObjectRef, IReadOnlyList<ListenerState>> Gateways { get; }

    /// <summary>How many routes each listener accepted.</summary>
    public IReadOnlyDictionary<ListenerState, int> AttachedRoutes { get; }

    public static GatewayApiInputs Of(ResourceSnapshot snapshot)
    {
        if (snapshot.GatewayClasses.IsEmpty) { return Empty; }
        var statuses = new List<ObjectStatus>();
        var classes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, gatewayClass) in snapshot.GatewayClasses)
        {
            if (gatewayClass.Spec.ControllerName != GatewayApiGroup.ControllerName) { continue; }
            classes.Add(key.Name);
            var generation = gatewayClass.Metadata.Generation;
            statuses.Add(new ObjectStatus
            {
                Object = key,
                Generation = generation,
                Conditions = [Conditions.True(ConditionTypes.Accepted, "Accepted", "Konnect serves the Gateways of this class", generation)],
            });
        }
        var gateways = new Dictionary<ObjectRef, IReadOnlyList<ListenerState>>();
        foreach (var (key, gateway) in snapshot.Gateways)
        {
            if (!classes.Contains(gateway.Spec.GatewayClassName)) { continue; }
            if (!Judged.TryGetValue(gateway, out var judged) || !ReferenceEquals(judged.Namespaces, snapshot.Namespaces))
            {
                judged = new JudgedGateway(snapshot.Namespaces, ListenerJudge.Judge(key, gateway, snapshot));
                Judged.AddOrUpdate(gateway, judged);
            }
            gateways[key] = judged.Listeners;
        }

        var routes = new List<KeyValuePair<ObjectRef, KonnectRoute>>();
        var routeListeners = new List<(ObjectRef, IReadOnlyList<ListenerState>)>();
        var policies = new List<KeyValuePair<ObjectRef, KonnectPolicy>>();
        var attached = new Dictionary<ListenerState, int>(ReferenceEqualityComparer.Instance);
        // GRPCRoutes first: their keys sort before HTTPRoutes', and the routes must come out in key order.
        var all = snapshot.GrpcRoutes.Select(r => (r.Key, (IKubernetesObject)r.Value)).Concat(snapshot.HttpRoutes.Select(r => (r.Key, (IKubernetesObject)r.Value)));
        foreach (var (key, route) in all)
        {
            var (outcome, status) = Outcome(key, route, gateways, snapshot);
            if (outcome.Parents.Count == 0) { continue; }
            statuses.Add(status);
            if (outcome.Route is { } konnectRoute) { routes.Add(new(key, konnectRoute)); }
            // Attached even when more specific listeners left it no host to serve: a policy may still target it.
            if (outcome.Listeners.Count > 0) { routeListeners.Add((key, outcome.Listeners)); }
            policies.AddRange(outcome.Policies);
            foreach (var listener in outcome.Listeners) { attached[listener] = attached.GetValueOrDefault(listener) + 1; }
        }
        return new GatewayApiInputs(routes, routeListeners, policies, statuses, gateways, attached);
    }

    private static (HttpRouteOutcome Outcome, ObjectStatus Status) Outcome(ObjectRef key, IKubernetesObject route, Dictionary<ObjectRef, IReadOnlyList<ListenerState>> gateways,
        ResourceSnapshot snapshot)
    {
        var targets = PolicyTargets.Of(snapshot.Policies);
        if (Outcomes.TryGetValue(route, out var cached) && ReferenceEquals(cached.Gateways, snapshot.Gateways) && ReferenceEquals(cached.Classes, snapshot.GatewayClasses)
            && ReferenceEquals(cached.Grants, snapshot.ReferenceGrants) && ReferenceEquals(cached.Namespaces, snapshot.Namespaces) && ReferenceEquals(cached.Targets, targets))
        {
            return (cached.Outcome, cached.Status);
        }
        var outcome = route is GrpcRoute grpc
            ? GrpcRouteTranslator.Translate(key, grpc, gateways, snapshot)
            : HttpRouteTranslator.Translate(key, (HttpRoute)route, gateways, snapshot);
        // Policy attachment: the route object is this outcome's own, made just now.
        if (outcome.Route is { } konnectRoute) { konnectRoute.Spec.InheritedPolicies = targets.For(key, outcome.Listeners.Select(l => l.Gateway).Distinct()); }
        var status = new ObjectStatus { Object = key, Generation = route.Metadata.Generation, Conditions = [], Parents = outcome.Parents };
        Outcomes.AddOrUpdate(route, new Cached(snapshot.Gateways, snapshot.GatewayClasses, snapshot.ReferenceGrants, snapshot.Namespaces, targets, outcome, status));
        return (outcome, status);
    }
}
