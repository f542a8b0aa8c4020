using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Model;
using Konnect.Controller.Store;
using Konnect.Controller.Translation.Routes;

namespace Konnect.Controller.Translation;

/// <summary>
/// The fast path for endpoint changes, the most frequent change in a cluster (every pod start, stop and readiness flip).
/// When only EndpointSlices moved, only the routes that send to the affected Services are compiled again; matches,
/// precedence, conflicts and every other object keep their previous translation. The result is the same as a full
/// <see cref="Translator.Translate"/> of the new snapshot (a test holds it to that).
/// </summary>
public static class EndpointUpdate
{
    /// <summary>True when <paramref name="next"/> differs from <paramref name="previous"/> in EndpointSlices only.</summary>
    public static bool OnlyEndpointsChanged(ResourceSnapshot previous, ResourceSnapshot next) =>
        !ReferenceEquals(previous.EndpointSlices, next.EndpointSlices)
        && ReferenceEquals(previous.Routes, next.Routes)
        && ReferenceEquals(previous.Policies, next.Policies)
        && ReferenceEquals(previous.Consumers, next.Consumers)
        && ReferenceEquals(previous.Services, next.Services)
        && ReferenceEquals(previous.Secrets, next.Secrets)
        && ReferenceEquals(previous.Invalid, next.Invalid)
        && previous.Problems == next.Problems;

    /// <summary>The Services (namespace, name) whose slices were added, removed or changed.</summary>
    public static HashSet<(string Namespace, string Service)> ChangedServices(ResourceSnapshot previous, ResourceSnapshot next)
    {
        var changed = new HashSet<(string, string)>();
        void Add(ObjectRef key, EndpointSlice slice)
        {
            if (slice.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel) is { Length: > 0 } service) { changed.Add((key.Namespace, service)); }
        }
        foreach (var (key, slice) in next.EndpointSlices)
        {
            if (!previous.EndpointSlices.TryGetValue(key, out var old) || !ReferenceEquals(old, slice))
            {
                Add(key, slice);
                if (old is not null) { Add(key, old); }
            }
        }
        foreach (var (key, old) in previous.EndpointSlices)
        {
            if (!next.EndpointSlices.ContainsKey(key)) { Add(key, old); }
        }
        return changed;
    }

    /// <summary>Re-resolves the routes that use <paramref name="services"/>; everything else is taken from <paramref name="previous"/>.</summary>
    public static TranslationResult Apply(TranslationResult previous, ResourceSnapshot snapshot, IReadOnlySet<(string Namespace, string Service)> services)
    {
        var affected = new Dictionary<ObjectRef, KonnectRoute>();
        foreach (var (key, route) in snapshot.Routes)
        {
            if (route.Spec.Rules.Any(r => r.Backends.Append(r.Mirror?.Backend).Any(b => b?.Service is { } s && services.Contains((key.Namespace, s))))) { affected[key] = route; }
        }
        var models = previous.Model.Routes.ToLookup(r => new ObjectRef(KonnectRoute.KindName, r.Namespace, r.Route));
        var statuses = previous.Statuses.ToDictionary(s => s.Object);
        // Only accepted routes are in the model; a rejected one stays rejected whatever its endpoints do.
        var accepted = affected.Where(a => models.Contains(a.Key)).ToList();
        if (accepted.Count == 0) { return previous with { Candidates = previous.Candidates.WithEndpoints(snapshot, affected.Keys, []) }; }

        var compiler = new RouteCompiler(new BackendResolver(snapshot, new EndpointIndex(snapshot), new Tls.CertificateLoader(snapshot, previous.TlsOptions?.Now)), previous.Policies);
        var replaced = new Dictionary<string, RouteModel>();
        var recompiled = new List<RouteCandidate>();
        foreach (var (key, route) in accepted)
        {
            var candidate = compiler.Compile(key, route);
            recompiled.Add(candidate);
            statuses[key] = RouteStatuses.Accepted(candidate);
            foreach (var old in models[key])
            {
                var rule = candidate.Rules[old.RuleIndex];
                replaced[old.Id] = old with { Backends = rule.Backends, Unavailable = rule.Unavailable, Mirror = rule.Mirror };
            }
        }
        var routes = previous.Model.Routes.Select(r => replaced.GetValueOrDefault(r.Id) ?? r).ToArray();
        var model = Translator.WithVersion(new GatewayModel { Version = "", Routes = routes, Consumers = previous.Model.Consumers, Tls = previous.Model.Tls });
        // Policies did not change, so their last-good map and enforcement carry forward as they are.
        return previous with
        {
            Model = model,
            Statuses = [.. statuses.Values.OrderBy(s => s.Object)],
            Candidates = previous.Candidates.WithEndpoints(snapshot, affected.Keys, recompiled),
        };
    }
}
