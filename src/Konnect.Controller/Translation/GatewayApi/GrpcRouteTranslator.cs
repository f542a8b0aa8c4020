using Konnect.Api.GatewayApi;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Translates a GRPCRoute attached to Konnect's Gateways into one route. A gRPC call is a POST to /SERVICE/METHOD, so a
/// method match is a path match: service and method exactly (Exact /pkg.Svc/Method), a service alone (PathPrefix
/// /pkg.Svc), a method alone or regular expressions (RegularExpression over the whole path). Backends speak HTTP/2
/// without TLS (h2c), as gRPC needs; filters are HTTPRoute's header modifiers, mirror and ExtensionRef.
/// </summary>
internal static class GrpcRouteTranslator
{
    public static HttpRouteOutcome Translate(ObjectRef key, GrpcRoute route, IReadOnlyDictionary<ObjectRef, IReadOnlyList<ListenerState>> gateways, ResourceSnapshot snapshot)
    {
        var rules = new List<RouteRule>();
        var policies = new List<KeyValuePair<ObjectRef, KonnectPolicy>>();
        var problems = new List<RouteProblem>();
        string? unsupported = null;
        var specRules = route.Spec.Rules is { Count: > 0 } given ? given : [new GrpcRouteRule()];
        for (var r = 0; r < specRules.Count; r++)
        {
            var rule = specRules[r];
            var at = $"spec.rules[{r}]";
            var backends = new List<RouteBackend>();
            var backendRefs = rule.BackendRefs ?? [];
            for (var b = 0; b < backendRefs.Count; b++)
            {
                if (HttpRouteTranslator.Backend(key, backendRefs[b], $"{at}.backendRefs[{b}]", snapshot, problems) is { } backend)
                {
                    backends.Add(backend with { AppProtocol = "grpc" });
                }
            }
            var matches = new List<RouteMatch>();
            foreach (var match in rule.Matches ?? [])
            {
                if (Match(match) is { } pathMatch) { matches.Add(pathMatch); }
                else { unsupported ??= $"{at}.matches: a method match needs a service or a method"; }
            }
            var routeRule = new RouteRule { Name = rule.Name, Matches = matches, Backends = backends };
            var filters = (rule.Filters ?? []).Where(f => f.Type is not ("RequestRedirect" or "URLRewrite")).ToList();
            if (filters.Count != (rule.Filters?.Count ?? 0)) { unsupported ??= $"{at}.filters: a GRPCRoute has no RequestRedirect or URLRewrite filter"; }
            var applied = Filters.Apply(key, r, filters, routeRule, snapshot, problems);
            unsupported ??= applied.Unsupported;
            if (applied.Policy is { } policy) { policies.Add(policy); }
            routeRule.Mirrors = routeRule.Mirrors?.Select(m => m with { Backend = m.Backend with { AppProtocol = "grpc" } }).ToList();
            rules.Add(routeRule);
        }
        unsupported ??= HttpRouteTranslator.RepeatedRuleName(rules);
        var attachment = ParentAttachment.Attach(key, route.Metadata.Generation, route.Spec.ParentRefs ?? [], route.Spec.Hostnames ?? [], gateways, unsupported, problems);
        return HttpRouteTranslator.Outcome(key, route.Metadata, attachment, rules, policies);
    }

    private static RouteMatch? Match(GrpcRouteMatch match)
    {
        var headers = match.Headers?.Select(h => new NameValueMatch
        {
            Name = h.Name, Value = h.Value, Type = h.Type == "RegularExpression" ? ValueMatchType.RegularExpression : ValueMatchType.Exact,
        }).ToList();
        var method = match.Method;
        var (service, name) = (method?.Service is { Length: > 0 } s ? s : null, method?.Method is { Length: > 0 } m ? m : null);
        PathMatch path;
        if (method is null || (service is null && name is null))
        {
            if (method is not null) { return null; }
            path = new PathMatch { Type = PathMatchType.PathPrefix, Value = "/" };
        }
        else if (method.Type == "RegularExpression")
        {
            path = new PathMatch { Type = PathMatchType.RegularExpression, Value = $"/(?:{service ?? "[^/]+"})/(?:{name ?? "[^/]+"})" };
        }
        else if (service is not null && name is not null)
        {
            path = new PathMatch { Type = PathMatchType.Exact, Value = $"/{service}/{name}" };
        }
        else if (service is not null)
        {
            path = new PathMatch { Type = PathMatchType.PathPrefix, Value = $"/{service}" };
        }
        else
        {
            path = new PathMatch { Type = PathMatchType.RegularExpression, Value = $"/[^/]+/{System.Text.RegularExpressions.Regex.Escape(name!)}" };
        }
        return new RouteMatch { Path = path, Headers = headers };
    }
}
