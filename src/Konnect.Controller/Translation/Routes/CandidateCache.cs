using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// The compiled routes of the last pass, so a change to one route among 10,000 compiles one route. A candidate is a
/// pure function of its route object and of what it resolves against (policies, Services, EndpointSlices, Secrets),
/// so it is reused only for the same route instance while all of those are the same instances too. Candidates that
/// judge a certificate (route or upstream TLS) are never reused: their validity depends on the pass's clock.
/// </summary>
internal sealed class CandidateCache
{
    public static readonly CandidateCache Empty = new(default, new Dictionary<KonnectRoute, RouteCandidate>(ReferenceEqualityComparer.Instance));

    private readonly Inputs _inputs;
    // Keyed by the route object itself: a candidate is only reused for the same instance anyway, and hashing an
    // instance is far cheaper than hashing a (kind, namespace, name) key 10,000 times a pass. Never changed once
    // built (a pass builds the next one), so readers need no lock.
    private readonly Dictionary<KonnectRoute, RouteCandidate> _candidates;

    private CandidateCache(Inputs inputs, Dictionary<KonnectRoute, RouteCandidate> candidates)
    {
        _inputs = inputs;
        _candidates = candidates;
    }

    /// <summary>Collects the candidates of one pass; <see cref="Builder.Build"/> makes the cache the next pass reads.</summary>
    public static Builder For(ResourceSnapshot snapshot, int routes) => new(Inputs.Of(snapshot), routes);

    /// <summary>The last pass's candidate for <paramref name="route"/>, or null when it must be compiled.</summary>
    public RouteCandidate? Get(ResourceSnapshot snapshot, KonnectRoute route) =>
        _candidates.Count > 0 && _inputs == Inputs.Of(snapshot) && _candidates.TryGetValue(route, out var candidate) ? candidate : null;

    /// <summary>
    /// After the endpoint fast path: the routes it compiled again replace theirs, and every other route that sends to
    /// a changed Service is dropped (it was not compiled against the new endpoints).
    /// </summary>
    public CandidateCache WithEndpoints(ResourceSnapshot snapshot, IEnumerable<KonnectRoute> affected, IEnumerable<RouteCandidate> recompiled)
    {
        var next = Inputs.Of(snapshot);
        if (_inputs with { EndpointSlices = next.EndpointSlices } != next)
        {
            return Empty;
        }
        var candidates = new Dictionary<KonnectRoute, RouteCandidate>(_candidates, ReferenceEqualityComparer.Instance);
        foreach (var route in affected) { candidates.Remove(route); }
        foreach (var candidate in recompiled.Where(Reusable)) { candidates[candidate.Route] = candidate; }
        return new CandidateCache(next, candidates);
    }

    /// <summary>The next pass's cache, filled while this pass goes over the routes.</summary>
    public sealed class Builder
    {
        private readonly Inputs _inputs;
        private readonly Dictionary<KonnectRoute, RouteCandidate> _candidates;

        internal Builder(Inputs inputs, int routes)
        {
            _inputs = inputs;
            _candidates = new Dictionary<KonnectRoute, RouteCandidate>(routes, ReferenceEqualityComparer.Instance);
        }

        /// <summary>A candidate taken from the cache: it was reusable when it went in, and still is.</summary>
        public void Kept(RouteCandidate candidate) => _candidates[candidate.Route] = candidate;

        /// <summary>A candidate compiled in this pass: kept for the next one unless it judges a certificate.</summary>
        public void Compiled(RouteCandidate candidate)
        {
            if (Reusable(candidate)) { _candidates[candidate.Route] = candidate; }
        }

        public CandidateCache Build() => new(_inputs, _candidates);
    }

    // Only the references: the cache must not keep a whole old snapshot alive. Record equality compares them by reference.
    internal readonly record struct Inputs(object? Policies, object? Consumers, object? Services, object? EndpointSlices, object? Secrets, bool FromCluster)
    {
        public static Inputs Of(ResourceSnapshot s) => new(s.Policies, s.Consumers, s.Services, s.EndpointSlices, s.Secrets, s.FromCluster);
    }

    private static bool Reusable(RouteCandidate candidate) =>
        candidate.Tls is null
        && candidate.Rules.All(r => r.Backends.All(b => b.Tls is null) && (r.Mirrors ?? []).All(m => m.Backend.Tls is null));
}
