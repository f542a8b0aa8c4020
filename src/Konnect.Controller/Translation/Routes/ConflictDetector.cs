using System.Text;
using Konnect.Controller.Model;
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
        var keys = new List<string>();
        foreach (var host in candidate.Hosts.Count > 0 ? candidate.Hosts : ["*any*"])
        {
            foreach (var rule in candidate.Rules)
            {
                for (var m = 0; m < rule.Matches.Count; m++)
                {
                    var key = Key(host, rule.Matches[m]);
                    if (_claims.TryGetValue(key, out var owner) && owner != candidate.Key)
                    {
                        var hostText = host == "*any*" ? "any host" : $"host {host}";
                        return new(Reasons.Conflicted,
                            $"spec.rules[{rule.Index}].matches[{m}] ({hostText}, {rule.Matches[m].PathKind} {rule.Matches[m].Path}) is already served by {owner}, which is older; change the host or the match");
                    }
                    keys.Add(key);
                }
            }
        }
        foreach (var key in keys) { _claims[key] = candidate.Key; }
        return null;
    }

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
