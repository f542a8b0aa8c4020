using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>
/// Envoy-style virtual hosts: the request's host picks exactly one bucket (exact name, else the most specific
/// "*.suffix", else the any-host bucket) and only that bucket's matches are tried, by rank. Falling through to a
/// less specific host could land on a rule without the authentication the more specific one demands.
/// Rules served over one scheme only (Gateway API routes of HTTP or of HTTPS listeners) make two tables, one per
/// scheme, as Envoy has a route configuration per listener: a host's bucket is then the scheme's own, so plain HTTP
/// to a host only HTTPS routes name finds the HTTP listener's routes (the usual redirect) in its less specific bucket.
/// </summary>
internal sealed class RouteTable
{
    public static readonly RouteTable Empty = Build([]);

    private readonly Dictionary<string, MatchedRoute[]>.AlternateLookup<ReadOnlySpan<char>> _exact;
    // Keyed by ".suffix" so a host's suffixes can be looked up as slices, without allocating.
    private readonly Dictionary<string, MatchedRoute[]>.AlternateLookup<ReadOnlySpan<char>> _wildcard;
    private readonly bool _hasWildcards;
    private readonly MatchedRoute[] _anyHost;
    // The table for HTTPS requests when some rule is served over one scheme only; null when both schemes share this one.
    private RouteTable? _https;

    private RouteTable(Dictionary<string, MatchedRoute[]> exact, Dictionary<string, MatchedRoute[]> wildcard, MatchedRoute[] anyHost, int? count = null)
    {
        _exact = exact.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcard = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        _hasWildcards = wildcard.Count > 0;
        _anyHost = anyHost;
        Count = count ?? exact.Values.Sum(b => b.Length) + wildcard.Values.Sum(b => b.Length) + anyHost.Length;
    }

    /// <summary>How many (host, match) entries the table holds (for plain HTTP, when the schemes have a table each).</summary>
    public int Count { get; }

    /// <summary>Groups matches by host; within a host, lower <c>Rank</c> first and model order breaks ties.</summary>
    public static RouteTable Build(IReadOnlyList<MatchedRoute> matches)
    {
        var oneScheme = false;
        for (var i = 0; i < matches.Count && !oneScheme; i++) { oneScheme = matches[i].Https is not null; }
        if (!oneScheme) { return BuildOne(matches); }
        var http = BuildOne(matches.Where(m => m.Https != true));
        http._https = BuildOne(matches.Where(m => m.Https != false));
        return http;
    }

    private static RouteTable BuildOne(IEnumerable<MatchedRoute> matches)
    {
        // Runs on every publish over every match (10,000+), so plain loops: the LINQ version (Distinct per match,
        // OrderBy per host) was most of the publisher's route table time.
        var exact = new Dictionary<string, List<Entry>>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new Dictionary<string, List<Entry>>(StringComparer.OrdinalIgnoreCase);
        var anyHost = new List<Entry>();
        var order = 0;

        foreach (var match in matches)
        {
            var entry = new Entry(match.Match.Rank, order++, match);
            var hosts = match.Route.Hosts;
            if (hosts.Count == 0)
            {
                anyHost.Add(entry);
                continue;
            }

            for (var h = 0; h < hosts.Count; h++)
            {
                var host = hosts[h];
                if (IsRepeated(hosts, h))
                {
                    continue;
                }

                var (bucket, key) = host.StartsWith("*.", StringComparison.Ordinal) ? (wildcard, host[1..]) : (exact, host);
                if (!bucket.TryGetValue(key, out var list))
                {
                    bucket[key] = list = [];
                }

                list.Add(entry);
            }
        }

        return new RouteTable(Freeze(exact), Freeze(wildcard), Sort(anyHost));

        static bool IsRepeated(IReadOnlyList<string> hosts, int index)
        {
            for (var i = 0; i < index; i++)
            {
                if (string.Equals(hosts[i], hosts[index], StringComparison.OrdinalIgnoreCase)) { return true; }
            }

            return false;
        }

        static Dictionary<string, MatchedRoute[]> Freeze(Dictionary<string, List<Entry>> buckets)
        {
            var frozen = new Dictionary<string, MatchedRoute[]>(buckets.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, list) in buckets) { frozen[key] = Sort(list); }
            return frozen;
        }

        static MatchedRoute[] Sort(List<Entry> list)
        {
            if (list.Count > 1) { list.Sort(static (a, b) => a.Rank != b.Rank ? a.Rank.CompareTo(b.Rank) : a.Order.CompareTo(b.Order)); }
            var sorted = new MatchedRoute[list.Count];
            for (var i = 0; i < sorted.Length; i++) { sorted[i] = list[i].Route; }
            return sorted;
        }
    }

    /// <summary>
    /// This table with each pair's old entry replaced by its new one, or null when a pair's entries do not sit alike
    /// (other hosts, rank or scheme). Entries that sit alike take the same place in the same buckets, as long as every
    /// rule keeps its number of entries (the caller's side), so only the buckets they are in are copied.
    /// </summary>
    public RouteTable? WithReplaced(IReadOnlyList<(MatchedRoute Old, MatchedRoute New)> pairs)
    {
        foreach (var (old, now) in pairs)
        {
            if (old.Match.Rank != now.Match.Rank || old.Https != now.Https || !SameHosts(old.Route.Hosts, now.Route.Hosts)) { return null; }
        }
        var table = Replaced(pairs);
        if (_https is { } https) { table._https = https.Replaced(pairs); }
        return table;

        static bool SameHosts(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
            ReferenceEquals(a, b) || a.SequenceEqual(b, StringComparer.Ordinal);
    }

    private RouteTable Replaced(IReadOnlyList<(MatchedRoute Old, MatchedRoute New)> pairs)
    {
        if (pairs.Count == 0) { return this; }
        Dictionary<string, MatchedRoute[]>? exact = null, wildcard = null;
        var anyHost = _anyHost;
        foreach (var (old, now) in pairs)
        {
            var hosts = old.Route.Hosts;
            if (hosts.Count == 0) { anyHost = Swap(_anyHost, anyHost, old, now); }
            foreach (var host in hosts)
            {
                var (source, key) = host.StartsWith("*.", StringComparison.Ordinal) ? (_wildcard.Dictionary, host[1..]) : (_exact.Dictionary, host);
                // A match served over one scheme is in that scheme's table only: a bucket without it is left alone.
                if (!source.TryGetValue(key, out var bucket) || Array.IndexOf(bucket, old) < 0) { continue; }
                var target = ReferenceEquals(source, _exact.Dictionary)
                    ? exact ??= new Dictionary<string, MatchedRoute[]>(source, source.Comparer)
                    : wildcard ??= new Dictionary<string, MatchedRoute[]>(source, source.Comparer);
                target[key] = Swap(bucket, target[key], old, now);
            }
        }
        return new RouteTable(exact ?? _exact.Dictionary, wildcard ?? _wildcard.Dictionary, anyHost, Count);

        // The place is found in this table's bucket, not in the copy being patched: a new entry that is another pair's
        // old one (a kept rule moved among equal ranks) must not be taken for it.
        static MatchedRoute[] Swap(MatchedRoute[] original, MatchedRoute[] patched, MatchedRoute old, MatchedRoute now)
        {
            var at = Array.IndexOf(original, old);
            if (at < 0) { return patched; }
            var copy = (MatchedRoute[])patched.Clone();
            copy[at] = now;
            return copy;
        }
    }

    // Order is the match's position in the model, so equal ranks keep model order (List.Sort alone is not stable).
    private readonly record struct Entry(int Rank, int Order, MatchedRoute Route);

    /// <summary>The first match for the request in its host's bucket, or null (404).</summary>
    public MatchedRoute? Match(HttpRequest request, string path)
    {
        var table = _https is { } https && request.IsHttps ? https : this;
        var bucket = table.FindBucket(HostName(request.Host.Value));
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
