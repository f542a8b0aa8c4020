using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Routes;

/// <summary>A valid route before conflicts and precedence are settled: its rules compiled, references resolved.</summary>
internal sealed record RouteCandidate(ObjectRef Key, KonnectRoute Route, IReadOnlyList<string> Hosts, IReadOnlyList<RuleCandidate> Rules,
    Tls.RouteTlsOutcome? Tls = null, ApiModel? Api = null)
{
    public long? Generation => Route.Metadata.Generation;

    /// <summary>Older objects win conflicts and ties, as in Gateway API; folder mode has no timestamps, so names decide.</summary>
    public static int CompareAge(RouteCandidate a, RouteCandidate b)
    {
        var ta = a.Route.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue;
        var tb = b.Route.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue;
        var c = ta.CompareTo(tb);
        return c != 0 ? c : a.Key.CompareTo(b.Key);
    }
}

/// <summary>One rule: its matches (unranked), backends, and why it cannot be served, if it cannot.</summary>
internal sealed record RuleCandidate(
    int Index,
    string? Name,
    IReadOnlyList<MatchModel> Matches,
    IReadOnlyList<BackendModel> Backends,
    string? RewritePathPrefix,
    TimeSpan? Timeout,
    IReadOnlyList<RouteProblem> RefProblems,
    Unavailable? Unavailable,
    PoliciesModel? Policies = null,
    IReadOnlyList<string>? Warnings = null,
    IReadOnlyList<MirrorModel>? Mirrors = null,
    RedirectModel? Redirect = null,
    TimeSpan? Deadline = null);
