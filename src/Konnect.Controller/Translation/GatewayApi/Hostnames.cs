namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// The Gateway API's hostname rules: a listener's hostname and a route's hostnames intersect to the hosts the route
/// serves on that listener. "*.example.com" matches any name ending in .example.com (one or more labels), never
/// example.com itself; of two matching names the more specific is the intersection.
/// </summary>
internal static class Hostnames
{
    /// <summary>The hosts the route serves through the listener: null when they do not intersect; empty for any host.</summary>
    public static IReadOnlyList<string>? Intersect(string? listener, IReadOnlyList<string> route)
    {
        if (string.IsNullOrEmpty(listener)) { return route; }
        if (route.Count == 0) { return [listener]; }
        var hosts = new List<string>();
        foreach (var host in route)
        {
            if (string.Equals(host, listener, StringComparison.OrdinalIgnoreCase)) { hosts.Add(host); }
            else if (Covers(listener, host)) { hosts.Add(host); }
            else if (Covers(host, listener)) { hosts.Add(listener); }
        }
        return hosts.Count > 0 ? hosts : null;
    }

    /// <summary>True when <paramref name="name"/> (a name or a wildcard) lies within <paramref name="pattern"/>: the same, or covered by it.</summary>
    public static bool Within(string name, string pattern) => string.Equals(name, pattern, StringComparison.OrdinalIgnoreCase) || Covers(pattern, name);

    /// <summary>True when wildcard <paramref name="pattern"/> matches <paramref name="name"/> (itself a name or a narrower wildcard).</summary>
    private static bool Covers(string pattern, string name) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
        && name.Length > pattern.Length - 1
        && name.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
        && !(name.StartsWith("*.", StringComparison.Ordinal) && name.Length == pattern.Length);
}
