using System.Runtime.CompilerServices;
using System.Text;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Two routes that claim the same host and the same match cannot both be served. Routes are offered oldest first;
/// the first claim wins and a later route that repeats any claim is rejected whole, naming the route it lost to.
/// </summary>
internal sealed class ConflictDetector
{
    private readonly Dictionary<string, ObjectRef> _claims = new(StringComparer.Ordinal);

    /// <summary>Claims every (host, match) of the candidate, or returns the problem if one is taken.</summary>
    public RouteProblem? TryClaim(RouteCandidate candidate)
    {
        // The Gateway API settles equal matches by precedence (the older route first) and rejects neither route.
        if (candidate.Key.Kind is Konnect.Api.GatewayApi.HttpRoute.KindName or Konnect.Api.GatewayApi.GrpcRoute.KindName) { return null; }
        var keys = ClaimKeys.GetValue(candidate, static c => [.. Claims(c).Select(claim => claim.Key)]);
        foreach (var key in keys)
        {
            if (_claims.TryGetValue(key, out var owner) && owner != candidate.Key) { return Problem(candidate); }
        }
        foreach (var key in keys) { _claims[key] = candidate.Key; }
        return null;
    }

    // The first claim that is taken, in the order the claims are made.
    private RouteProblem Problem(RouteCandidate candidate)
    {
        var (host, rule, m, key) = Claims(candidate).First(c => _claims.TryGetValue(c.Key, out var owner) && owner != candidate.Key);
        var hostText = host == "*any*" ? "any host" : $"host {host}";
        return new(Reasons.Conflicted,
            $"spec.rules[{rule.Index}].matches[{m}] ({hostText}, {rule.Matches[m].PathKind} {rule.Matches[m].Path}) is already served by {_claims[key]}, which is older; change the host or the match");
    }

    private static IEnumerable<(string Host, RuleCandidate Rule, int Match, string Key)> Claims(RouteCandidate candidate)
    {
        foreach (var host in candidate.Hosts.Count > 0 ? candidate.Hosts : ["*any*"])
        {
            foreach (var rule in candidate.Rules)
            {
                for (var m = 0; m < rule.Matches.Count; m++) { yield return (host, rule, m, Key(host, rule.Matches[m])); }
            }
        }
    }

    // A candidate's claim keys depend on it alone, and most candidates are reused from the last pass: build them once.
    private static readonly ConditionalWeakTable<RouteCandidate, string[]> ClaimKeys = [];

    private static string Key(string host, MatchModel match)
    {
        var b = new StringBuilder(host).Append('|').Append(match.PathKind).Append('|').Append(match.Path).Append('|');
        b.AppendJoin(',', match.Methods).Append('|');
        foreach (var h in match.Headers) { b.Append(h.Name).Append(h.Kind == ValueKind.Exact ? '=' : '~').Append(h.Value).Append(';'); }
        b.Append('|');
        foreach (var q in match.Query) { b.Append(q.Name).Append(q.Kind == ValueKind.Exact ? '=' : '~').Append(q.Value).Append(';'); }
        return b.ToString();
    }
}
