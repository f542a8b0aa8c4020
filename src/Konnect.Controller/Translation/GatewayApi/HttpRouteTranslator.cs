using Konnect.Api;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Translates an HTTPRoute attached to Konnect's Gateways (<see cref="ParentAttachment"/>) into one route: the
/// hostnames it serves through those listeners, a rule per rule, backendRefs to Services (across namespaces where a ReferenceGrant allows), and filters as the KonnectRoute
/// features or inline policies that do the same. Pure: a function of the route and the Gateway API objects.
/// </summary>
internal static class HttpRouteTranslator
{
    public static HttpRouteOutcome Translate(ObjectRef key, HttpRoute route, IReadOnlyDictionary<ObjectRef, IReadOnlyList<ListenerState>> gateways, ResourceSnapshot snapshot)
    {
        var conversion = Convert(key, route, snapshot);
        var attachment = ParentAttachment.Attach(key, route.Metadata.Generation, route.Spec.ParentRefs ?? [], route.Spec.Hostnames ?? [], gateways,
            conversion.Unsupported, conversion.Problems);
        return Outcome(key, route.Metadata, attachment, conversion.Rules, conversion.Policies);
    }

    /// <summary>An HTTPRoute's or GRPCRoute's outcome once attached: its route when some listener took it and left it hosts.</summary>
    internal static HttpRouteOutcome Outcome(ObjectRef key, ObjectMeta metadata, ParentAttachment.Result attachment, List<RouteRule> rules,
        IReadOnlyList<KeyValuePair<ObjectRef, KonnectPolicy>> policies) =>
        attachment.Listeners.Count == 0 ? new HttpRouteOutcome(attachment.Parents, null, [], [])
            // Attached, but more specific listeners took every host: no route (an empty host list would serve every host).
            : attachment.Hosts is { Count: 0 } ? new HttpRouteOutcome(attachment.Parents, null, [], attachment.Listeners)
            : new HttpRouteOutcome(attachment.Parents, Synthesize(key, metadata, attachment, rules), policies, attachment.Listeners);

    /// <summary>
    /// The route a Gateway API route becomes, in its own namespace, as old as it: served for the hosts it attached with,
    /// and over the one scheme its listeners have when they agree (only HTTPS listeners: not over plain HTTP, where an
    /// HTTP listener's route, such as the usual redirect to https, answers instead).
    /// </summary>
    private static KonnectRoute Synthesize(ObjectRef key, ObjectMeta metadata, ParentAttachment.Result attachment, List<RouteRule> rules) => new()
    {
        Metadata = new ObjectMeta { Name = key.Name, Namespace = key.Namespace, Generation = metadata.Generation, CreationTimestamp = metadata.CreationTimestamp },
        Spec = new KonnectRouteSpec
        {
            Hosts = attachment.Hosts?.ToList(),
            Rules = rules,
            Scheme = attachment.Listeners.All(l => l.IsHttps) ? "https" : attachment.Listeners.Any(l => l.IsHttps) ? null : "http",
        },
    };

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
            var matches = new List<RouteMatch>();
            foreach (var match in rule.Matches ?? [])
            {
                if (Match(match) is { } converted1) { matches.Add(converted1); }
                else { unsupported ??= $"{at}.matches: method {SafeText.Quote(match.Method ?? "")} or path type {SafeText.Quote(match.Path?.Type ?? "PathPrefix")} is not one the Gateway API defines"; }
            }
            var converted = new RouteRule { Name = rule.Name, Matches = matches, Backends = backends, RequestTimeout = RequestTimeout(rule.Timeouts) };
            var filters = Filters.Apply(key, r, rule.Filters ?? [], converted, snapshot, problems);
            unsupported ??= filters.Unsupported;
            if (filters.Policy is { } policy) { policies.Add(policy); }
            rules.Add(converted);
        }
        return new Conversion(rules, policies, problems, unsupported ?? RepeatedRuleName(rules));
    }

    /// <summary>
    /// The Gateway API's CRDs refuse a route that names two rules alike; a folder has no API server, so this says it.
    /// </summary>
    internal static string? RepeatedRuleName(List<RouteRule> rules)
    {
        for (var r = 1; r < rules.Count; r++)
        {
            if (rules[r].Name is not { } name) { continue; }
            var first = rules.FindIndex(0, r, earlier => earlier.Name == name);
            if (first >= 0) { return $"spec.rules[{r}].name: \"{name}\" is also spec.rules[{first}]'s; rule names must be unique"; }
        }
        return null;
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

    /// <summary>The match, or null for a method or path type the Gateway API does not define (never widened to "any").</summary>
    private static RouteMatch? Match(HttpRouteMatch match)
    {
        PathMatchType? type = match.Path?.Type switch
        {
            null or "PathPrefix" => PathMatchType.PathPrefix,
            "Exact" => PathMatchType.Exact,
            "RegularExpression" => PathMatchType.RegularExpression,
            _ => null,
        };
        HttpMethodName? method = null;
        if (match.Method is { } name)
        {
            if (!Enum.TryParse<HttpMethodName>(name, ignoreCase: false, out var parsed) || !Enum.IsDefined(parsed) || name.Any(char.IsDigit)) { return null; }
            method = parsed;
        }
        if (type is null) { return null; }
        return new RouteMatch
        {
            Path = new PathMatch { Type = type.Value, Value = match.Path?.Value ?? "/" },
            Methods = method is { } m ? [m] : null,
            Headers = match.Headers?.Select(ValueMatch).ToList(),
            Query = match.QueryParams?.Select(ValueMatch).ToList(),
        };
    }

    /// <summary>
    /// The rule's deadline: timeouts.request bounds the whole exchange and backendRequest one try of it, so with the one
    /// try Konnect makes (no retry policy) the shorter decides; "0s" turns either off. Text that is not a duration is kept
    /// for the route checks to refuse with its field.
    /// </summary>
    private static string? RequestTimeout(HttpRouteTimeouts? timeouts)
    {
        string? shortest = null;
        var best = TimeSpan.MaxValue;
        foreach (var text in (string?[])[timeouts?.Request, timeouts?.BackendRequest])
        {
            if (text is null) { continue; }
            if (!Duration.TryParse(text, out var value)) { return text; }
            if (value > TimeSpan.Zero && value < best) { (best, shortest) = (value, text); }
        }
        return shortest;
    }

    private static NameValueMatch ValueMatch(HttpHeaderMatch match) => new()
    {
        Name = match.Name,
        Type = match.Type == "RegularExpression" ? ValueMatchType.RegularExpression : ValueMatchType.Exact,
        Value = match.Value,
    };
}
