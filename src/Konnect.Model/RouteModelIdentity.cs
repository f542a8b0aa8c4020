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
