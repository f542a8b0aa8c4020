using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Konnect.Api;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Ingresses;

/// <summary>An Ingress as routes: one per host (see <see cref="IngressConverter"/>), and what could not be translated.</summary>
internal sealed record IngressConversion(IReadOnlyList<KeyValuePair<ObjectRef, KonnectRoute>> Parts, IReadOnlyList<RouteProblem> Problems);

/// <summary>
/// Translates an Ingress into the routes it stands for, so everything a KonnectRoute gets (precedence, conflicts,
/// policies, TLS, endpoints, status) applies to it unchanged. A KonnectRoute has one host list for all its rules,
/// an Ingress one host per rule, so each distinct host becomes one route named NAME:HOST, and the rules without a host
/// with spec.defaultBackend become NAME:*. Each path is a rule, in the order written. Pure: a function of the Ingress
/// alone, and kept per instance so an unchanged Ingress yields the same route objects (the translator's per-route reuse
/// depends on that).
/// </summary>
internal static class IngressConverter
{
    /// <summary>Ingress's own annotation asking for a 308 from http to https on the hosts spec.tls covers.</summary>
    public const string TlsRedirectAnnotation = "konnect.dev/tls-redirect";

    private static readonly Regex Hostname = new(KonnectGroup.HostnamePattern, RegexOptions.CultureInvariant);
    private static readonly Regex ServiceName = new("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant);
    private static readonly ConditionalWeakTable<Ingress, IngressConversion> Converted = [];

    public static IngressConversion Convert(ObjectRef key, Ingress ingress) => Converted.GetValue(ingress, i => Build(key, i));

    private static IngressConversion Build(ObjectRef key, Ingress ingress)
    {
        var problems = new List<RouteProblem>();
        // Hosts in the order first written; rules of the same host are merged, as every Ingress controller does.
        var byHost = new Dictionary<string, List<RouteRule>>(StringComparer.Ordinal);
        var order = new List<string>();
        var spec = ingress.Spec;
        var rules = spec.Rules ?? [];
        for (var r = 0; r < rules.Count; r++)
        {
            var at = $"spec.rules[{r}]";
            var host = rules[r].Host is { Length: > 0 } h ? h : null;
            if (host is not null && (host.Length > 253 || !Hostname.IsMatch(host)))
            {
                problems.Add(new(Reasons.InvalidHost, $"{at}.host: {SafeText.Quote(host)} is not a host name (lower-case DNS name, optionally *. first); the rule is not served"));
                continue;
            }
            var paths = rules[r].Http?.Paths ?? [];
            for (var p = 0; p < paths.Count; p++)
            {
                if (Rule(paths[p], $"{at}.http.paths[{p}]", problems) is not { } rule) { continue; }
                var bucket = host ?? IngressParts.AnyHost;
                if (!byHost.TryGetValue(bucket, out var list)) { byHost[bucket] = list = []; order.Add(bucket); }
                list.Add(rule);
            }
        }
        if (spec.DefaultBackend is { } defaultBackend && Backend(defaultBackend, "spec.defaultBackend", problems) is { } backend)
        {
            // As Contour and ingress2gateway read it: the route for requests no host of any route claims. A request to one
            // of this Ingress's hosts on an unlisted path stays with that host (404), since a host picks one route table.
            if (!byHost.TryGetValue(IngressParts.AnyHost, out var list)) { byHost[IngressParts.AnyHost] = list = []; order.Add(IngressParts.AnyHost); }
            list.Add(new RouteRule { Name = "defaultBackend", Matches = [new RouteMatch { Path = new PathMatch { Type = PathMatchType.PathPrefix, Value = "/" } }], Backends = [backend] });
        }
        if (spec.Rules is { Count: > 0 } && order.Count == 0 && spec.DefaultBackend is null && problems.Count == 0)
        {
            problems.Add(new(Reasons.InvalidSpec, "spec.rules: no rule has http paths, and there is no spec.defaultBackend; nothing to serve"));
        }

        var policies = Policies(ingress);
        var redirect = ingress.Metadata.Annotations?.TryGetValue(TlsRedirectAnnotation, out var redirectValue) == true
            && string.Equals(redirectValue, "true", StringComparison.OrdinalIgnoreCase);
        var parts = new List<KeyValuePair<ObjectRef, KonnectRoute>>(order.Count);
        foreach (var host in order)
        {
            var partKey = IngressParts.Key(key, host);
            var route = new KonnectRoute
            {
                Metadata = new ObjectMeta
                {
                    Name = partKey.Name,
                    Namespace = key.Namespace,
                    Generation = ingress.Metadata.Generation,
                    CreationTimestamp = ingress.Metadata.CreationTimestamp,
                },
                Spec = new KonnectRouteSpec
                {
                    Hosts = host == IngressParts.AnyHost ? null : [host],
                    Tls = host == IngressParts.AnyHost ? null : Tls(spec.Tls, host, redirect),
                    Policies = policies,
                    Rules = byHost[host],
                },
            };
            parts.Add(new(partKey, route));
        }
        return new IngressConversion(parts, problems);
    }

    private static RouteRule? Rule(HttpIngressPath path, string at, List<RouteProblem> problems)
    {
        var (type, value) = (path.PathType, path.Path is { Length: > 0 } given ? given : null);
        PathMatchType matchType;
        switch (type)
        {
            case "Exact":
                matchType = PathMatchType.Exact;
                break;
            case "Prefix":
            // Konnect's own reading of ImplementationSpecific is Prefix (by path element), as documented.
            case "ImplementationSpecific":
                matchType = PathMatchType.PathPrefix;
                break;
            default:
                problems.Add(new(Reasons.InvalidMatch, $"{at}.pathType: {(type is null ? "missing" : SafeText.Quote(type))}; use Exact, Prefix or ImplementationSpecific; the path is not served"));
                return null;
        }
        value ??= type == "ImplementationSpecific" ? "/" : null;
        if (value is null || !value.StartsWith('/') || value.Length > 1024 || value.Any(char.IsControl))
        {
            problems.Add(new(Reasons.InvalidMatch, $"{at}.path: {(value is null ? "missing" : SafeText.Quote(value))} must be an absolute path starting with / (at most 1,024 characters); the path is not served"));
            return null;
        }
        if (Backend(path.Backend, $"{at}.backend", problems) is not { } backend) { return null; }
        var name = at["spec.".Length..];
        return new RouteRule { Name = name, Matches = [new RouteMatch { Path = new PathMatch { Type = matchType, Value = value } }], Backends = [backend] };
    }

    private static RouteBackend? Backend(IngressBackend backend, string at, List<RouteProblem> problems)
    {
        if (backend.Resource is { } resource)
        {
            problems.Add(new(Reasons.InvalidBackend,
                $"{at}.resource: Konnect sends Ingress traffic to Services only, not to {SafeText.Quote(resource.Kind)} {SafeText.Quote(resource.Name)}; the path is not served"));
            return null;
        }
        if (backend.Service is not { } service || service.Name is not { Length: > 0 and <= 63 } serviceName || !ServiceName.IsMatch(serviceName))
        {
            problems.Add(new(Reasons.InvalidBackend, $"{at}.service.name: a Service name is required (a DNS label such as web); the path is not served"));
            return null;
        }
        IntOrString? port = service.Port switch
        {
            { Number: { } number and > 0 and <= 65535 } => number,
            { Number: null, Name: { Length: > 0 } portName } => portName,
            _ => null,
        };
        if (port is null)
        {
            problems.Add(new(Reasons.InvalidBackend, $"{at}.service.port: a port number (1-65535) or name is required for Service {serviceName}; the path is not served"));
            return null;
        }
        return new RouteBackend { Service = serviceName, Port = port };
    }

    private static RouteTls? Tls(List<IngressTls>? tls, string host, bool redirect)
    {
        foreach (var entry in tls ?? [])
        {
            // An entry without hosts covers every host of the Ingress (the Ingress API leaves it to the controller).
            if (entry.Hosts is { Count: > 0 } hosts && !hosts.Contains(host, StringComparer.OrdinalIgnoreCase)) { continue; }
            // Without a Secret the host is served with the listener's default certificate, as SNI finds none of its own.
            return entry.SecretName is { Length: > 0 } secret ? new RouteTls { SecretName = secret, Redirect = redirect ? true : null } : null;
        }
        return null;
    }

    private static List<string>? Policies(Ingress ingress)
    {
        if (ingress.Metadata.Annotations?.TryGetValue(Ingress.PoliciesAnnotation, out var names) != true || names is null) { return null; }
        var list = names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal).ToList();
        return list.Count > 0 ? list : null;
    }
}
