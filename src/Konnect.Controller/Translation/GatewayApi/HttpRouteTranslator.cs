using Konnect.Api;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Attaches an HTTPRoute to the listeners of Konnect's Gateways that its parentRefs name and that admit it (namespace,
/// kind, hostname), and translates it into one route: the hostnames it serves through those listeners, a rule per
/// rule, backendRefs to Services (across namespaces where a ReferenceGrant allows), and filters as the KonnectRoute
/// features or inline policies that do the same. Pure: a function of the route and the Gateway API objects.
/// </summary>
internal static class HttpRouteTranslator
{
    public static HttpRouteOutcome Translate(ObjectRef key, HttpRoute route, IReadOnlyDictionary<ObjectRef, IReadOnlyList<ListenerState>> gateways, ResourceSnapshot snapshot)
    {
        var generation = route.Metadata.Generation;
        var hostnames = (route.Spec.Hostnames ?? []).Select(h => h.ToLowerInvariant()).ToList();
        var conversion = Convert(key, route, snapshot);
        var parents = new List<RouteParentStatus>();
        var attached = new List<ListenerState>();
        var hosts = new List<string>();
        var anyHost = false;
        foreach (var parent in route.Spec.ParentRefs ?? [])
        {
            if ((parent.Group ?? GatewayApiGroup.Group) != GatewayApiGroup.Group || (parent.Kind ?? Gateway.KindName) != Gateway.KindName) { continue; }
            var gatewayKey = new ObjectRef(Gateway.KindName, parent.Namespace ?? key.Namespace, parent.Name);
            // A Gateway that is not Konnect's (or does not exist) is another controller's to report on.
            if (!gateways.TryGetValue(gatewayKey, out var listeners)) { continue; }

            var named = listeners.Where(l => (parent.SectionName is null || l.Listener.Name == parent.SectionName)
                && (parent.Port is null || l.Listener.Port == parent.Port)).ToList();
            var admitting = named.Where(l => l.Usable && l.AdmitsNamespace(key.Namespace) && l.Admits(HttpRoute.KindName)).ToList();
            var matched = new List<ListenerState>();
            foreach (var listener in admitting)
            {
                if (Hostnames.Intersect(listener.Listener.Hostname?.ToLowerInvariant(), hostnames) is not { } served) { continue; }
                matched.Add(listener);
                if (served.Count == 0) { anyHost = true; }
                hosts.AddRange(served);
            }
            Condition accepted = conversion.Unsupported is { } unsupported
                ? Conditions.False(ConditionTypes.Accepted, "UnsupportedValue", unsupported, generation)
                : named.Count == 0
                    ? Conditions.False(ConditionTypes.Accepted, "NoMatchingParent",
                        $"Gateway {gatewayKey.Namespace}/{gatewayKey.Name} has no listener{(parent.SectionName is null ? "" : $" named {parent.SectionName}")}{(parent.Port is null ? "" : $" on port {parent.Port}")}", generation)
                : admitting.Count == 0
                    ? Conditions.False(ConditionTypes.Accepted, "NotAllowedByListeners",
                        $"no listener of Gateway {gatewayKey.Namespace}/{gatewayKey.Name} admits HTTPRoutes from namespace {key.Namespace}", generation)
                : matched.Count == 0
                    ? Conditions.False(ConditionTypes.Accepted, "NoMatchingListenerHostname", "no listener hostname intersects the route's hostnames", generation)
                    : Conditions.True(ConditionTypes.Accepted, "Accepted", $"Attached to {string.Join(", ", matched.Select(l => l.Listener.Name))}", generation);
            if (accepted.Status == "True") { attached.AddRange(matched); }
            Condition resolved = conversion.Problems.Count == 0
                ? Conditions.True(ConditionTypes.ResolvedRefs, "ResolvedRefs", "All references resolved", generation)
                : Conditions.False(ConditionTypes.ResolvedRefs, conversion.Problems[0].Reason, string.Join("; ", conversion.Problems.Select(p => p.Message)), generation);
            parents.Add(new RouteParentStatus { ParentRef = parent, ControllerName = GatewayApiGroup.ControllerName, Conditions = [accepted, resolved] });
        }

        if (attached.Count == 0) { return new HttpRouteOutcome(parents, null, [], []); }
        var routeHosts = anyHost ? null : hosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var konnectRoute = new KonnectRoute
        {
            Metadata = new ObjectMeta
            {
                Name = key.Name,
                Namespace = key.Namespace,
                Generation = generation,
                CreationTimestamp = route.Metadata.CreationTimestamp,
            },
            Spec = new KonnectRouteSpec { Hosts = routeHosts, Rules = conversion.Rules },
        };
        return new HttpRouteOutcome(parents, konnectRoute, conversion.Policies, attached.Distinct().ToList());
    }

    private sealed record Conversion(List<RouteRule> Rules, List<KeyValuePair<ObjectRef, KonnectPolicy>> Policies, List<RouteProblem> Problems, string? Unsupported);

    private static Conversion Convert(ObjectRef key, HttpRoute route, ResourceSnapshot snapshot)
    {
        var rules = new List<RouteRule>();
        var policies = new List<KeyValuePair<ObjectRef, KonnectPolicy>>();
        var problems = new List<RouteProblem>();
        string? unsupported = null;
        var specRules = route.Spec.Rules is { Count: > 0 } given ? given : [new HttpRouteRule()];
        for (var r = 0; r < specRules.Count; r++)
        {
            var rule = specRules[r];
            var at = $"spec.rules[{r}]";
            var backends = new List<RouteBackend>();
            var backendRefs = rule.BackendRefs ?? [];
            for (var b = 0; b < backendRefs.Count; b++)
            {
                if (Backend(key, backendRefs[b], $"{at}.backendRefs[{b}]", snapshot, problems) is { } backend) { backends.Add(backend); }
                if (backendRefs[b].Filters is { Count: > 0 }) { unsupported ??= $"{at}.backendRefs[{b}].filters: filters on a backendRef are not supported; put them on the rule"; }
            }
            var converted = new RouteRule
            {
                Name = rule.Name,
                Matches = (rule.Matches ?? []).Select(Match).ToList(),
                Backends = backends,
                Timeout = rule.Timeouts?.Request ?? rule.Timeouts?.BackendRequest,
            };
            var filters = Filters.Apply(key, r, rule.Filters ?? [], converted, snapshot, problems);
            unsupported ??= filters.Unsupported;
            if (filters.Policy is { } policy) { policies.Add(policy); }
            rules.Add(converted);
        }
        return new Conversion(rules, policies, problems, unsupported);
    }

    internal static RouteBackend? Backend(ObjectRef key, HttpBackendRef reference, string at, ResourceSnapshot snapshot, List<RouteProblem> problems)
    {
        if ((reference.Group ?? "") != "" || (reference.Kind ?? "Service") != "Service")
        {
            problems.Add(new("InvalidKind", $"{at}: Konnect sends to Services only, not {reference.Group}/{reference.Kind} {reference.Name}"));
            return null;
        }
        var ns = reference.Namespace ?? key.Namespace;
        if (!ReferenceGrants.Permit(snapshot, GatewayApiGroup.Group, key.Kind, key.Namespace, "", "Service", ns, reference.Name))
        {
            problems.Add(new("RefNotPermitted", $"{at}: no ReferenceGrant in namespace {ns} allows HTTPRoutes from {key.Namespace} to refer to Service {reference.Name}"));
            return null;
        }
        if (reference.Port is not { } port)
        {
            problems.Add(new("UnsupportedValue", $"{at}: a Service backendRef needs a port"));
            return null;
        }
        return new RouteBackend { Service = reference.Name, Namespace = ns == key.Namespace ? null : ns, Port = port, Weight = reference.Weight ?? 1 };
    }

    private static RouteMatch Match(HttpRouteMatch match) => new()
    {
        Path = new PathMatch
        {
            Type = match.Path?.Type switch { "Exact" => PathMatchType.Exact, "RegularExpression" => PathMatchType.RegularExpression, _ => PathMatchType.PathPrefix },
            Value = match.Path?.Value ?? "/",
        },
        Methods = match.Method is { } method && Enum.TryParse<HttpMethodName>(method, ignoreCase: false, out var parsed) ? [parsed] : null,
        Headers = match.Headers?.Select(ValueMatch).ToList(),
        Query = match.QueryParams?.Select(ValueMatch).ToList(),
    };

    private static NameValueMatch ValueMatch(HttpHeaderMatch match) => new()
    {
        Name = match.Name,
        Type = match.Type == "RegularExpression" ? ValueMatchType.RegularExpression : ValueMatchType.Exact,
        Value = match.Value,
    };
}
