using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>
/// Envoy-style virtual hosts: the request's host picks exactly one bucket (exact name, else the most specific
/// "*.suffix", else the any-host bucket) and only that bucket's matches are tried, by rank. Falling through to a
/// less specific host could land on a rule without the authentication the more specific one demands.
/// </summary>
internal sealed class RouteTable
{
    public static readonly RouteTable Empty = Build([]);

    private readonly Dictionary<string, MatchedRoute[]>.AlternateLookup<ReadOnlySpan<char>> _exact;
    // Keyed by ".suffix" so a host's suffixes can be looked up as slices, without allocating.
    private readonly Dictionary<string, MatchedRoute[]>.AlternateLookup<ReadOnlySpan<char>> _wildcard;
    private readonly bool _hasWildcards;
    private readonly MatchedRoute[] _anyHost;

    private RouteTable(Dictionary<string, MatchedRoute[]> exact, Dictionary<string, MatchedRoute[]> wildcard, MatchedRoute[] anyHost)
    {
        _exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcard = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        _hasWildcards = wildcard.Count > 0;
        _anyHost = anyHost;
        Count = exact.Values.Sum(b => b.Length) + wildcard.Values.Sum(b => b.Length) + anyHost.Length;
    }

    /// <summary>How many (host, match) entries the table holds.</summary>
    public int Count { get; }

    /// <summary>Groups matches by host; within a host, lower <c>Rank</c> first and model order breaks ties.</summary>
    public static RouteTable Build(IEnumerable<MatchedRoute> matches)
    {
        var exact = new Dictionary<string, List<MatchedRoute>>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new Dictionary<string, List<MatchedRoute>>(StringComparer.OrdinalIgnoreCase);
        var anyHost = new List<MatchedRoute>();

        foreach (var match in matches)
        {
            if (match.Route.Hosts.Count == 0)
            {
                anyHost.Add(match);
                continue;
            }

            foreach (var host in match.Route.Hosts.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var (bucket, key) = host.StartsWith("*.", StringComparison.Ordinal) ? (wildcard, host[1..]) : (exact, host);
                if (!bucket.TryGetValue(key, out var list))
                {
                    bucket[key] = list = [];
                }

                list.Add(match);
            }
        }

        return new RouteTable(Freeze(exact), Freeze(wildcard), Sort(anyHost));

        static Dictionary<string, MatchedRoute[]> Freeze(Dictionary<string, List<MatchedRoute>> buckets) =>
            buckets.ToDictionary(b => b.Key, b => Sort(b.Value), StringComparer.OrdinalIgnoreCase);

        // OrderBy is stable, so equal ranks keep model order.
        static MatchedRoute[] Sort(List<MatchedRoute> list) => [.. list.OrderBy(m => m.Match.Rank)];
    }

    /// <summary>The first match for the request in its host's bucket, or null (404).</summary>
    public MatchedRoute? Match(HttpRequest request, string path)
    {
        var bucket = FindBucket(HostName(request.Host.Value));
        foreach (var candidate in bucket)
        {
            if (candidate.Matcher.Matches(request, path))
            {
                return candidate;
            }
        }

        return null;
    }

    private MatchedRoute[] FindBucket(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty)
        {
            return _anyHost;
        }

        if (_exact.TryGetValue(host, out var bucket))
        {
            return bucket;
        }

        if (_hasWildcards)
        {
            // Longest suffix first; starting after the first label means "*.example.com" never claims "example.com".
            for (var dot = host.IndexOf('.'); dot > 0; dot = NextDot(host, dot))
            {
                if (_wildcard.TryGetValue(host[dot..], out bucket))
                {
                    return bucket;
                }
            }
        }

        return _anyHost;

        static int NextDot(ReadOnlySpan<char> host, int dot)
        {
            var next = host[(dot + 1)..].IndexOf('.');
            return next < 0 ? -1 : dot + 1 + next;
        }
    }

    /// <summary>The Host header without port and trailing dot; IPv6 literals keep their brackets.</summary>
    internal static ReadOnlySpan<char> HostName(string? hostHeader)
    {
        var host = hostHeader.AsSpan();
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            return close < 0 ? host : host[..(close + 1)];
        }

        var colon = host.LastIndexOf(':');
        if (colon >= 0)
        {
            host = host[..colon];
        }

        return host.EndsWith('.') ? host[..^1] : host;
    }
}
