using System.Collections.Immutable;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Controller.Translation.Routes;
using Konnect.Controller.Translation.Tls;

namespace Konnect.Controller;

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
        && ReferenceEquals(previous.ConfigMaps, next.ConfigMaps)
        && ReferenceEquals(previous.Ingresses, next.Ingresses)
        && ReferenceEquals(previous.IngressClasses, next.IngressClasses)
        && ReferenceEquals(previous.Namespaces, next.Namespaces)
        && ReferenceEquals(previous.GatewayClasses, next.GatewayClasses)
        && ReferenceEquals(previous.Gateways, next.Gateways)
        && ReferenceEquals(previous.HttpRoutes, next.HttpRoutes)
        && ReferenceEquals(previous.GrpcRoutes, next.GrpcRoutes)
        && ReferenceEquals(previous.ReferenceGrants, next.ReferenceGrants)
        && ReferenceEquals(previous.Invalid, next.Invalid)
        && previous.Problems == next.Problems;

    /// <summary>
    /// The Services (namespace, name) whose slices were added, removed or changed, with those slices, so the endpoint
    /// index is derived from them alone.
    /// </summary>
    public static SliceChanges ChangedServices(ResourceSnapshot previous, ResourceSnapshot next)
    {
        var changed = new SliceChanges();
        void Add(ObjectRef key, EndpointSlice slice)
        {
            if (EndpointIndex.ServiceOf(slice) is { } service) { changed.Add((key.Namespace, service)); }
        }
        // Both are sorted by the same comparer: one walk side by side instead of a tree lookup per slice (20,000 of
        // them at 10,000 routes, on every endpoint change).
        using var old = previous.EndpointSlices.GetEnumerator();
        using var now = next.EndpointSlices.GetEnumerator();
        var hasOld = old.MoveNext();
        var hasNow = now.MoveNext();
        while (hasOld || hasNow)
        {
            var order = !hasOld ? 1 : !hasNow ? -1 : old.Current.Key.CompareTo(now.Current.Key);
            if (order < 0)
            {
                Add(old.Current.Key, old.Current.Value); // removed
                changed.Slices.Add((old.Current.Key, old.Current.Value, null));
                hasOld = old.MoveNext();
            }
            else if (order > 0)
            {
                Add(now.Current.Key, now.Current.Value); // added
                changed.Slices.Add((now.Current.Key, null, now.Current.Value));
                hasNow = now.MoveNext();
            }
            else
            {
                if (!ReferenceEquals(old.Current.Value, now.Current.Value))
                {
                    Add(now.Current.Key, now.Current.Value);
                    Add(old.Current.Key, old.Current.Value);
                    changed.Slices.Add((now.Current.Key, old.Current.Value, now.Current.Value));
                }
                hasOld = old.MoveNext();
                hasNow = now.MoveNext();
            }
        }
        return changed;
    }

    /// <summary>Re-resolves the routes that use <paramref name="services"/>; everything else is taken from <paramref name="previous"/>.</summary>
    /// <param name="previousSnapshot">The snapshot <paramref name="previous"/> was translated from, when known: the
    /// endpoint index is then derived from its index rather than built from every slice again.</param>
    public static TranslationResult Apply(TranslationResult previous, ResourceSnapshot snapshot, IReadOnlySet<(string Namespace, string Service)> services,
        ResourceSnapshot? previousSnapshot = null)
    {
        // At 10,000 routes a scan of every route's backends per endpoint change cost more than the compile it leads to.
        var inputs = InputRoutes.Of(snapshot).Routes;
        var byService = RoutesByService.Of(inputs);
        var affected = new Dictionary<ObjectRef, KonnectRoute>();
        foreach (var service in services)
        {
            foreach (var key in byService.GetValueOrDefault(service) ?? []) { affected[key] = inputs[key]; }
        }
        var models = new Dictionary<ObjectRef, List<RouteModel>>();
        // Usually one or two routes among thousands: comparing names rejects the rest faster than hashing a key for
        // every rule and status.
        var names = new AffectedRoutes(affected.Keys);
        if (affected.Count > 0)
        {
            foreach (var rule in previous.Model.Routes)
            {
                if (names.Find(rule.Namespace, rule.Route) is not { } key) { continue; }
                if (!models.TryGetValue(key, out var rules)) { models[key] = rules = []; }
                rules.Add(rule);
            }
        }
        // Only accepted routes are in the model; a rejected one stays rejected whatever its endpoints do.
        var accepted = affected.Where(a => models.ContainsKey(a.Key)).ToList();
        if (accepted.Count == 0) { return previous with { Candidates = previous.Candidates.WithEndpoints(snapshot, affected.Values, []) }; }

        var index = previousSnapshot is null ? EndpointIndex.Of(snapshot) : EndpointIndex.Derive(previousSnapshot, snapshot, services);
        var compiler = new RouteCompiler(new BackendResolver(snapshot, index, new CertificateLoader(snapshot, previous.TlsOptions?.Now)), previous.Policies);
        var replaced = new Dictionary<string, RouteModel>();
        var recompiled = new List<RouteCandidate>();
        var newStatuses = new Dictionary<ObjectRef, ObjectStatus>();
        foreach (var (key, route) in accepted)
        {
            var candidate = compiler.Compile(key, route);
            recompiled.Add(candidate);
            newStatuses[key] = RouteStatuses.Accepted(candidate);
            foreach (var old in models[key])
            {
                var rule = candidate.Rules[old.RuleIndex];
                replaced[old.Id] = old with { Backends = rule.Backends, Unavailable = rule.Unavailable, Mirrors = rule.Mirrors };
            }
        }
        var routes = previous.Model.Routes.Select(r => replaced.GetValueOrDefault(r.Id) ?? r).ToArray();
        var model = Translator.WithVersion(new GatewayModel { Version = "", Routes = routes, Consumers = previous.Model.Consumers, Tls = previous.Model.Tls,
            ApiDocuments = previous.Model.ApiDocuments });
        // Policies did not change, so their last-good map and enforcement carry forward as they are. An accepted route
        // already has a status, so the statuses keep their order with the recompiled routes' replaced in place.
        return previous with
        {
            Model = model,
            Statuses = [.. previous.Statuses.Select(s => s.Object.Kind is KonnectRoute.KindName or Ingress.KindName && newStatuses.Count > 0
                && names.Find(s.Object.Namespace, s.Object.Name) is { } key ? newStatuses.GetValueOrDefault(key) ?? s : s)],
            Candidates = previous.Candidates.WithEndpoints(snapshot, affected.Values, recompiled),
        };
    }

    /// <summary>The affected routes by namespace and model name (<see cref="ModelNames"/>): a few are compared directly, many are hashed.</summary>
    private sealed class AffectedRoutes(IEnumerable<ObjectRef> routes)
    {
        // Model names made once: an HTTPRoute's is a new string each time, and Find runs for every rule and status.
        private readonly (ObjectRef Route, string Name)[] _routes = [.. routes.Select(r => (r, ModelNames.Of(r)))];
        private Dictionary<(string, string), ObjectRef>? _index;

        public ObjectRef? Find(string ns, string name)
        {
            if (_routes.Length > 8)
            {
                _index ??= _routes.ToDictionary(r => (r.Route.Namespace, r.Name), r => r.Route);
                return _index.TryGetValue((ns, name), out var found) ? found : null;
            }
            foreach (var (route, model) in _routes)
            {
                if (string.Equals(model, name, StringComparison.Ordinal) && string.Equals(route.Namespace, ns, StringComparison.Ordinal)) { return route; }
            }
            return null;
        }
    }

    /// <summary>The routes that send (or mirror) to each Service, per set of routes (shared by snapshots that share them).</summary>
    private static class RoutesByService
    {
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, Dictionary<(string, string), List<ObjectRef>>> Cache = [];

        public static Dictionary<(string, string), List<ObjectRef>> Of(RouteCollection routes) => Cache.GetValue(routes, static routes => Build((RouteCollection)routes));

        private static Dictionary<(string, string), List<ObjectRef>> Build(IEnumerable<KeyValuePair<ObjectRef, KonnectRoute>> routes)
        {
            var index = new Dictionary<(string, string), List<ObjectRef>>();
            foreach (var (key, route) in routes)
            {
                foreach (var rule in route.Spec.Rules)
                {
                    foreach (var backend in (rule.Backends ?? []).Concat(rule.EveryMirror().Select(m => m.Backend)))
                    {
                        if (backend?.Service is not { } service) { continue; }
                        // Most Services have one route: a list sized for one is 64 bytes smaller, 0.8 MiB at 10,000.
                        var ns = backend.Namespace ?? key.Namespace;
                        if (!index.TryGetValue((ns, service), out var list)) { index[(ns, service)] = list = new List<ObjectRef>(1); }
                        if (list.Count == 0 || list[^1] != key) { list.Add(key); }
                    }
                }
            }
            return index;
        }
    }
}
