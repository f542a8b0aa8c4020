using System.Runtime.CompilerServices;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>The three conditions of a KonnectRoute, worded for the person who applied it.</summary>
internal static class RouteStatuses
{
    public static ObjectStatus Rejected(ObjectRef key, long? generation, RouteProblem problem) => new()
    {
        Object = key,
        Generation = generation,
        Conditions =
        [
            Conditions.False(ConditionTypes.Accepted, problem.Reason, problem.Message, generation),
            Conditions.False(ConditionTypes.Programmed, Reasons.NotAccepted, "The route is not accepted, so it serves no traffic", generation),
        ],
    };

    /// <summary>The status of an accepted route: a function of its candidate alone, so a reused candidate reuses it.</summary>
    public static ObjectStatus Accepted(RouteCandidate route) => AcceptedStatuses.GetValue(route, Build);

    private static readonly ConditionalWeakTable<RouteCandidate, ObjectStatus> AcceptedStatuses = [];

    private static ObjectStatus Build(RouteCandidate route)
    {
        var generation = route.Generation;
        var refProblems = route.Rules.SelectMany(r => r.RefProblems.Select(p => (Reason: p.Reason, Message: $"{RuleName(r)}: {p.Message}"))).ToList();
        if (route.Tls?.Problem is { } tlsProblem)
        {
            // The route keeps serving plain HTTP; only its hosts' HTTPS handshakes lack this certificate.
            refProblems.Insert(0, (tlsProblem.Reason, $"{tlsProblem.Message} (HTTPS for the route's hosts uses the default certificate or is refused; plain HTTP is served)"));
        }
        var resolved = refProblems.Count == 0
            ? Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, "All references resolved", generation)
            : Conditions.False(ConditionTypes.ResolvedRefs, refProblems[0].Reason,
                string.Join("; ", refProblems.Select(x => x.Message).Distinct()), generation);

        var unavailable = route.Rules.Where(r => r.Unavailable is not null).ToArray();
        var programmed = unavailable.Length == 0
            ? Conditions.True(ConditionTypes.Programmed, Reasons.Programmed, $"Serving {route.Rules.Count} rule(s)", generation)
            : Conditions.False(ConditionTypes.Programmed,
                unavailable[0].Unavailable!.Reason is Reasons.NoReadyEndpoints or Reasons.NoWeightedBackends ? unavailable[0].Unavailable!.Reason : Reasons.UnresolvedRefs,
                $"{route.Rules.Count - unavailable.Length} of {route.Rules.Count} rule(s) serving; answering 503 for {string.Join("; ", unavailable.Select(r => r.Unavailable!.Message))}",
                generation);

        var warnings = (route.Tls?.Warnings ?? []).Concat(route.Rules.SelectMany(r => (r.Warnings ?? []).Select(w => $"{RuleName(r)}: {w}"))).Distinct().ToArray();
        var message = warnings.Length == 0 ? "Route is valid" : $"Route is valid; warning: {string.Join("; warning: ", warnings)}";
        return new ObjectStatus
        {
            Object = route.Key,
            Generation = generation,
            Conditions = route.Api is { } api
                ? [Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, message, generation), resolved, programmed, RouteApiCompiler.DeprecatedCondition(api, generation)]
                : [Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, message, generation), resolved, programmed],
        };
    }

    private static string RuleName(RuleCandidate rule) => rule.Name is { } n ? $"rule {n}" : $"rule {rule.Index}";
}
