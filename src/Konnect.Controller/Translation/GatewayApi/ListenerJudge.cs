using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Judges the listeners of Konnect's Gateways. Konnect serves HTTP listeners on its plain traffic listener and HTTPS
/// listeners on its TLS listener, whatever port they name: every Gateway of Konnect's classes shares the gateway pods'
/// addresses. Listeners of other protocols are not accepted (UnsupportedProtocol); two listeners on one port with the
/// same hostname conflict (HostnameConflict), and so do HTTP and HTTPS on one port (ProtocolConflict).
/// </summary>
internal static class ListenerJudge
{
    private static readonly RouteGroupKind HttpRouteKind = new() { Group = GatewayApiGroup.Group, Kind = HttpRoute.KindName };
    private static readonly RouteGroupKind GrpcRouteKind = new() { Group = GatewayApiGroup.Group, Kind = GrpcRoute.KindName };

    public static IReadOnlyList<ListenerState> Judge(ObjectRef key, Gateway gateway, ResourceSnapshot snapshot)
    {
        var generation = gateway.Metadata.Generation;
        var listeners = gateway.Spec.Listeners ?? [];
        var states = new List<ListenerState>(listeners.Count);
        foreach (var listener in listeners)
        {
            var conditions = new List<Condition>();
            var supported = listener.Protocol is "HTTP" or "HTTPS";
            var passthrough = listener.Tls?.Mode == "Passthrough";
            var conflict = Conflict(listener, listeners);
            var (kinds, invalidKinds) = Kinds(listener);
            var usable = supported && !passthrough && conflict is null;
            conditions.Add(!supported
                ? Conditions.False("Accepted", "UnsupportedProtocol", $"Konnect serves HTTP and HTTPS listeners, not {listener.Protocol}", generation)
                : passthrough
                    ? Conditions.False("Accepted", "UnsupportedValue", "tls.mode Passthrough is not supported: Konnect terminates TLS", generation)
                    : Conditions.True("Accepted", "Accepted", "Listener accepted", generation));
            conditions.Add(usable
                ? Conditions.True("Programmed", "Programmed", listener.Protocol == "HTTPS" ? "Served on Konnect's TLS listener" : "Served on Konnect's traffic listener", generation)
                : Conditions.False("Programmed", "Invalid", "The listener is not accepted or is in conflict", generation));
            conditions.Add(invalidKinds.Count > 0
                ? Conditions.False("ResolvedRefs", "InvalidRouteKinds", $"Konnect attaches HTTPRoutes and GRPCRoutes only, not {string.Join(", ", invalidKinds)}", generation)
                : Conditions.True("ResolvedRefs", "ResolvedRefs", "All references resolved", generation));
            conditions.Add(conflict is { } c
                ? Conditions.True("Conflicted", c.Reason, c.Message, generation)
                : Conditions.False("Conflicted", "NoConflicts", "No conflicts", generation));
            states.Add(new ListenerState(key, listener, Admission(key, listener, snapshot))
            {
                Usable = usable,
                // supportedKinds are the kinds Konnect supports on this listener: none on a protocol it does not serve
                // (the conformance suite's GatewayListenerUnsupportedProtocol expects the list empty).
                Kinds = supported ? kinds : [],
                Conditions = conditions,
            });
        }
        return states;
    }

    private static (string Reason, string Message)? Conflict(Listener listener, List<Listener> all)
    {
        foreach (var other in all)
        {
            if (ReferenceEquals(other, listener) || other.Port != listener.Port) { continue; }
            if (other.Protocol != listener.Protocol && other.Protocol is "HTTP" or "HTTPS" && listener.Protocol is "HTTP" or "HTTPS")
            {
                return ("ProtocolConflict", $"listener {other.Name} uses port {other.Port} with {other.Protocol}");
            }
            if (other.Protocol == listener.Protocol && string.Equals(other.Hostname ?? "", listener.Hostname ?? "", StringComparison.OrdinalIgnoreCase))
            {
                return ("HostnameConflict", $"listener {other.Name} has the same port, protocol and hostname");
            }
        }
        return null;
    }

    private static (IReadOnlyList<RouteGroupKind> Kinds, List<string> Invalid) Kinds(Listener listener)
    {
        if (listener.AllowedRoutes?.Kinds is not { Count: > 0 } asked) { return ([HttpRouteKind, GrpcRouteKind], []); }
        var kinds = new List<RouteGroupKind>();
        var invalid = new List<string>();
        foreach (var kind in asked)
        {
            if ((kind.Group ?? GatewayApiGroup.Group) == GatewayApiGroup.Group && kind.Kind == HttpRoute.KindName) { kinds.Add(HttpRouteKind); }
            else if ((kind.Group ?? GatewayApiGroup.Group) == GatewayApiGroup.Group && kind.Kind == GrpcRoute.KindName) { kinds.Add(GrpcRouteKind); }
            else { invalid.Add($"{kind.Group}/{kind.Kind}"); }
        }
        return (kinds, invalid);
    }

    /// <summary>allowedRoutes.namespaces: Same (the default), All, or Selector over the namespaces' labels.</summary>
    private static Func<string, bool> Admission(ObjectRef gateway, Listener listener, ResourceSnapshot snapshot)
    {
        var from = listener.AllowedRoutes?.Namespaces?.From ?? "Same";
        switch (from)
        {
            case "All":
                return static _ => true;
            case "Selector" when listener.AllowedRoutes?.Namespaces?.Selector is { } selector:
                // The namespaces alone: the closure is kept with the judged listeners, and must not keep a whole snapshot.
                var namespaces = snapshot.Namespaces;
                return ns => Selects(selector, namespaces.GetValueOrDefault(new ObjectRef(Namespace.KindName, "", ns))?.Metadata.Labels);
            case "Selector":
                return static _ => false;
            default:
                return ns => ns == gateway.Namespace;
        }
    }

    private static bool Selects(LabelSelector selector, Dictionary<string, string>? labels)
    {
        labels ??= [];
        foreach (var (key, value) in selector.MatchLabels ?? [])
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value) { return false; }
        }
        foreach (var requirement in selector.MatchExpressions ?? [])
        {
            if (requirement.Key is null) { return false; }
            var has = labels.TryGetValue(requirement.Key, out var actual);
            var values = requirement.Values ?? [];
            var ok = requirement.Operator switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) { return false; }
        }
        return true;
    }
}
