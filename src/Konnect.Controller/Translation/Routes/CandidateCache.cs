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
    public static readonly CandidateCache Empty = new(default, []);

    private readonly Inputs _inputs;
    // Never changed once built (a new pass builds a new cache), so readers need no lock. A plain dictionary: building an
    // immutable one of 10,000 entries cost ~7 ms a pass, copying this one costs well under one.
    private readonly Dictionary<ObjectRef, RouteCandidate> _candidates;

    private CandidateCache(Inputs inputs, Dictionary<ObjectRef, RouteCandidate> candidates)
    {
        _inputs = inputs;
        _candidates = candidates;
    }

    /// <summary>Remembers the candidates compiled against <paramref name="snapshot"/>.</summary>
    public static CandidateCache Of(ResourceSnapshot snapshot, IEnumerable<RouteCandidate> candidates) =>
        new(Inputs.Of(snapshot), candidates.Where(Reusable).ToDictionary(c => c.Key));

    /// <summary>The last pass's candidate for <paramref name="route"/>, or null when it must be compiled.</summary>
    public RouteCandidate? Get(ResourceSnapshot snapshot, ObjectRef key, KonnectRoute route) =>
        _inputs == Inputs.Of(snapshot) && _candidates.TryGetValue(key, out var candidate) && ReferenceEquals(candidate.Route, route) ? candidate : null;

    /// <summary>
    /// After the endpoint fast path: the routes it compiled again replace theirs, and every other route that sends to
    /// a changed Service is dropped (it was not compiled against the new endpoints).
    /// </summary>
    public CandidateCache WithEndpoints(ResourceSnapshot snapshot, IEnumerable<ObjectRef> affected, IEnumerable<RouteCandidate> recompiled)
    {
        var next = Inputs.Of(snapshot);
        if (_inputs with { EndpointSlices = next.EndpointSlices } != next)
        {
            return Empty;
        }
        var candidates = new Dictionary<ObjectRef, RouteCandidate>(_candidates);
        foreach (var key in affected) { candidates.Remove(key); }
        foreach (var candidate in recompiled.Where(Reusable)) { candidates[candidate.Key] = candidate; }
        return new CandidateCache(next, candidates);
    }

    // Only the references: the cache must not keep a whole old snapshot alive. Record equality compares them by reference.
    private readonly record struct Inputs(object? Policies, object? Consumers, object? Services, object? EndpointSlices, object? Secrets, bool FromCluster)
    {
        public static Inputs Of(ResourceSnapshot s) => new(s.Policies, s.Consumers, s.Services, s.EndpointSlices, s.Secrets, s.FromCluster);
    }

    private static bool Reusable(RouteCandidate candidate) =>
        candidate.Tls is null
        && candidate.Rules.All(r => r.Backends.All(b => b.Tls is null) && r.Mirror?.Backend.Tls is null);
}
