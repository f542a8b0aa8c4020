namespace Konnect.Model;

/// <summary>
/// Tells whether two rule models serve alike, so the translator and the data plane can keep what they built for a
/// rule that did not change. Ranks are left out: they are positions in the whole model, and one new rule shifts the
/// ranks of many unchanged ones without changing how any of them matches or proxies.
/// </summary>
public static class RouteModelIdentity
{
    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> are equal in everything but their matches' ranks.
    /// Records compare their lists by reference, so equal content built twice can answer false: the caller then
    /// rebuilds, which costs time and never correctness.
    /// </summary>
    public static bool SameExceptRanks(RouteModel a, RouteModel b)
    {
        if (ReferenceEquals(a, b)) { return true; }
        if (a.Matches.Count != b.Matches.Count) { return false; }
        for (var i = 0; i < a.Matches.Count; i++)
        {
            var (x, y) = (a.Matches[i], b.Matches[i]);
            if (x.Rank == y.Rank ? x != y : (x with { Rank = y.Rank }) != y) { return false; }
        }
        return ReferenceEquals(a.Matches, b.Matches) ? a == b : (a with { Matches = b.Matches }) == b;
    }

    /// <summary>
    /// True when <paramref name="a"/> and <paramref name="b"/> differ at most in where their rules send requests (the
    /// backends' endpoints, the mirrors', and the unavailability that follows from them): what an endpoint change
    /// makes of a model. Hosts, matches, policies, TLS and consumers are then the same.
    /// </summary>
    public static bool SameExceptEndpoints(GatewayModel a, GatewayModel b)
    {
        if (ReferenceEquals(a, b)) { return true; }
        if (a.Routes.Count != b.Routes.Count || !ReferenceEquals(a.Tls, b.Tls) || !ReferenceEquals(a.Consumers, b.Consumers)
            || !ReferenceEquals(a.ApiDocuments, b.ApiDocuments))
        {
            return false;
        }
        for (var i = 0; i < a.Routes.Count; i++)
        {
            var (x, y) = (a.Routes[i], b.Routes[i]);
            if (!ReferenceEquals(x, y) && (x with { Backends = y.Backends, Mirrors = y.Mirrors, Unavailable = y.Unavailable }) != y) { return false; }
        }
        return true;
    }

    /// <summary>True when the matches have the same ranks in order (a rule's matches are otherwise compared above).</summary>
    public static bool SameRanks(RouteModel a, RouteModel b)
    {
        if (a.Matches.Count != b.Matches.Count) { return false; }
        for (var i = 0; i < a.Matches.Count; i++)
        {
            if (a.Matches[i].Rank != b.Matches[i].Rank) { return false; }
        }
        return true;
    }
}
