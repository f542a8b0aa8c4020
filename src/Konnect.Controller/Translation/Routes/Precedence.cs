using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Gateway API precedence between matches: Exact before PathPrefix before RegularExpression; a longer path first;
/// a method match first; more header matches, then more query matches first; then the older route, then its
/// namespace/name, then rule and match order. The resulting position becomes <see cref="MatchModel.Rank"/>.
/// </summary>
internal static class Precedence
{
    public sealed record Entry(RouteCandidate Route, int Rule, int Match, MatchModel Model);

    /// <summary>One entry per match of every rule of <paramref name="route"/>.</summary>
    public static IEnumerable<Entry> EntriesOf(RouteCandidate route)
    {
        foreach (var rule in route.Rules)
        {
            for (var m = 0; m < rule.Matches.Count; m++) { yield return new(route, rule.Index, m, rule.Matches[m]); }
        }
    }

    public static int Compare(Entry a, Entry b)
    {
        int c;
        if ((c = a.Model.PathKind.CompareTo(b.Model.PathKind)) != 0) { return c; }
        if ((c = b.Model.Path.Length.CompareTo(a.Model.Path.Length)) != 0) { return c; }
        if ((c = (b.Model.Methods.Count > 0).CompareTo(a.Model.Methods.Count > 0)) != 0) { return c; }
        if ((c = b.Model.Headers.Count.CompareTo(a.Model.Headers.Count)) != 0) { return c; }
        if ((c = b.Model.Query.Count.CompareTo(a.Model.Query.Count)) != 0) { return c; }
        if ((c = RouteCandidate.CompareAge(a.Route, b.Route)) != 0) { return c; }
        if ((c = a.Rule.CompareTo(b.Rule)) != 0) { return c; }
        return a.Match.CompareTo(b.Match);
    }
}
