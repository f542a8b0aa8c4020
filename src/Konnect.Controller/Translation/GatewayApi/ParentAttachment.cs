using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Attaches a route (HTTPRoute or GRPCRoute) to the listeners of Konnect's Gateways its parentRefs name and that admit
/// it (namespace, kind, hostname), and words each parent's Accepted and ResolvedRefs as the specification does.
/// </summary>
internal static class ParentAttachment
{
    public sealed record Result(IReadOnlyList<RouteParentStatus> Parents, IReadOnlyList<ListenerState> Listeners, IReadOnlyList<string>? Hosts);

    /// <param name="unsupported">Why the route cannot be served at all (a filter Konnect does not support): every parent says so.</param>
    /// <param name="problems">References that did not resolve: every parent's ResolvedRefs says so.</param>
    /// <returns>
    /// Hosts: the hostnames served through the attached listeners; null when any of them serves every host; empty when
    /// more specific listeners took every one (the route is attached, and serves nothing).
    /// </returns>
    public static Result Attach(ObjectRef key, long? generation, IReadOnlyList<ParentReference> parentRefs, IReadOnlyList<string> routeHostnames,
        IReadOnlyDictionary<ObjectRef, IReadOnlyList<ListenerState>> gateways, string? unsupported, IReadOnlyList<RouteProblem> problems)
    {
        var hostnames = routeHostnames.OfType<string>().Select(h => h.ToLowerInvariant()).ToList();
        var parents = new List<RouteParentStatus>();
        var attached = new List<ListenerState>();
        var hosts = new List<string>();
        var anyHost = false;
        foreach (var parent in parentRefs)
        {
            if ((parent.Group ?? GatewayApiGroup.Group) != GatewayApiGroup.Group || (parent.Kind ?? Gateway.KindName) != Gateway.KindName) { continue; }
            var gatewayKey = new ObjectRef(Gateway.KindName, parent.Namespace ?? key.Namespace, parent.Name);
            // A Gateway that is not Konnect's (or does not exist) is another controller's to report on.
            if (!gateways.TryGetValue(gatewayKey, out var listeners)) { continue; }

            var named = listeners.Where(l => (parent.SectionName is null || l.Listener.Name == parent.SectionName)
                && (parent.Port is null || l.Listener.Port == parent.Port)).ToList();
            var admitting = named.Where(l => l.Usable && l.AdmitsNamespace(key.Namespace) && l.Admits(key.Kind)).ToList();
            var matched = new List<ListenerState>();
            foreach (var listener in admitting)
            {
                if (Hostnames.Intersect(listener.Listener.Hostname?.ToLowerInvariant(), hostnames) is not { } served) { continue; }
                matched.Add(listener);
                if (served.Count == 0) { anyHost = true; }
                hosts.AddRange(Isolated(listener, served, listeners));
            }
            var gatewayName = $"{gatewayKey.Namespace}/{gatewayKey.Name}";
            Condition accepted = unsupported is not null
                ? Conditions.False(ConditionTypes.Accepted, "UnsupportedValue", unsupported, generation)
                : named.Count == 0
                    ? Conditions.False(ConditionTypes.Accepted, "NoMatchingParent",
                        $"Gateway {gatewayName} has no listener{(parent.SectionName is null ? "" : $" named {parent.SectionName}")}{(parent.Port is null ? "" : $" on port {parent.Port}")}", generation)
                : admitting.Count == 0
                    ? Conditions.False(ConditionTypes.Accepted, "NotAllowedByListeners", $"no listener of Gateway {gatewayName} admits {key.Kind}s from namespace {key.Namespace}", generation)
                : matched.Count == 0
                    ? Conditions.False(ConditionTypes.Accepted, "NoMatchingListenerHostname", "no listener hostname intersects the route's hostnames", generation)
                    : Conditions.True(ConditionTypes.Accepted, "Accepted", $"Attached to {string.Join(", ", matched.Select(l => l.Listener.Name))}", generation);
            if (accepted.Status == "True") { attached.AddRange(matched); }
            Condition resolved = problems.Count == 0
                ? Conditions.True(ConditionTypes.ResolvedRefs, "ResolvedRefs", "All references resolved", generation)
                : Conditions.False(ConditionTypes.ResolvedRefs, problems[0].Reason, string.Join("; ", problems.Select(p => p.Message)), generation);
            parents.Add(new RouteParentStatus { ParentRef = parent, ControllerName = GatewayApiGroup.ControllerName, Conditions = [accepted, resolved] });
        }
        return new Result(parents, attached.Distinct().ToList(), anyHost ? null : hosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Listener isolation: a host that a more specific listener of the same Gateway on the same port also matches is
    /// that listener's, so a route attached through a less specific listener does not serve it, whatever its own
    /// hostnames say (the conformance suite's GatewayHTTPListenerIsolation). A route that serves any host is left as
    /// it is: the route table already sends a host to its most specific bucket only.
    /// </summary>
    private static IEnumerable<string> Isolated(ListenerState through, IReadOnlyList<string> served, IReadOnlyList<ListenerState> siblings)
    {
        var own = through.Listener.Hostname;
        var narrower = siblings
            .Where(s => !ReferenceEquals(s, through) && s.Usable && s.Listener.Port == through.Listener.Port)
            .Select(s => s.Listener.Hostname)
            .OfType<string>()
            .Where(h => h.Length > 0 && (string.IsNullOrEmpty(own) || (Hostnames.Within(h, own) && !string.Equals(h, own, StringComparison.OrdinalIgnoreCase))))
            .ToList();
        return narrower.Count == 0 ? served : served.Where(host => !narrower.Any(n => Hostnames.Within(host, n)));
    }
}
