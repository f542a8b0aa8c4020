using Konnect.Model;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Routing;

namespace Konnect.Gateway.Management;

/// <summary>
/// A model with its matchers compiled, ready to be bound to YARP's endpoints once YARP has applied the snapshot.
/// Compiling happens before YARP sees anything, so a pattern that does not compile is known (and reported) up front.
/// </summary>
internal sealed class CompiledModel
{
    private CompiledModel(GatewayModel model, CompiledRule[] rules, Dictionary<string, string> invalid, bool duplicateIds)
    {
        Model = model;
        Rules = rules;
        Invalid = invalid;
        HasCaseInsensitiveDuplicateIds = duplicateIds;
    }

    /// <summary>
    /// Two of the model's rule ids differ at most in case (YARP and the runtime compare ids case-insensitively). Known
    /// from the previous model while the ids are the same, in the same order, so a change does not hash 10,000 ids.
    /// </summary>
    public bool HasCaseInsensitiveDuplicateIds { get; }

    public GatewayModel Model { get; }

    /// <summary>One per rule of <see cref="Model"/>, in model order.</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>Rules with a match that does not compile (rule id → reason). Their other matches still answer 503.</summary>
    public IReadOnlyDictionary<string, string> Invalid { get; }

    public static CompiledModel Compile(GatewayModel model, RegexCache regexes) =>
        Compile(model, regexes, null, model.Consumers.Count == 0 ? ConsumerIndex.Empty : new ConsumerIndex(model.Consumers));

    /// <param name="previous">The last compiled model: a rule that serves alike is taken from it, not compiled again.</param>
    /// <param name="consumers">The model's consumers, one index shared by every rule that authenticates.</param>
    public static CompiledModel Compile(GatewayModel model, RegexCache regexes, CompiledModel? previous, ConsumerIndex consumers)
    {
        var invalid = new Dictionary<string, string>(StringComparer.Ordinal);
        var rules = new CompiledRule[model.Routes.Count];
        Dictionary<string, CompiledRule>? byId = null;
        for (var r = 0; r < model.Routes.Count; r++)
        {
            var route = model.Routes[r];
            // Rules keep their order between models, so the previous rule at the same position is nearly always the
            // one: an id lookup (10,000 hashes per change) only when rules were added or removed before this one.
            CompiledRule? kept = null;
            if (previous is not null && r < previous.Rules.Count && string.Equals(previous.Model.Routes[r].Id, route.Id, StringComparison.Ordinal))
            {
                kept = previous.Rules[r];
            }
            else if (previous is not null)
            {
                (byId ??= previous.RulesById()).TryGetValue(route.Id, out kept);
            }
            rules[r] = kept is not null && kept.CanServe(route, consumers)
                ? kept
                : CompiledRule.Compile(route, regexes, consumers);
            if (rules[r].Invalid is { } reason)
            {
                invalid[route.Id] = reason;
            }
        }

        var sameIds = previous is not null && byId is null && previous.Rules.Count == rules.Length;
        return new CompiledModel(model, rules, invalid, sameIds ? previous!.HasCaseInsensitiveDuplicateIds : HasDuplicates(model));
    }

    private static bool HasDuplicates(GatewayModel model)
    {
        var ids = new HashSet<string>(model.Routes.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var route in model.Routes)
        {
            if (!ids.Add(route.Id)) { return true; }
        }
        return false;
    }

    private Dictionary<string, CompiledRule> RulesById()
    {
        var rules = new Dictionary<string, CompiledRule>(Rules.Count, StringComparer.Ordinal);
        for (var r = 0; r < Rules.Count; r++) { rules[Model.Routes[r].Id] = Rules[r]; }
        return rules;
    }

    /// <summary>
    /// Builds the route table. Every rule keeps its matches: one that cannot be served (unavailable in the model,
    /// refused by YARP, nothing to proxy to, no endpoint) answers 503 rather than letting a less specific rule answer.
    /// </summary>
    /// <param name="endpoints">The endpoint serving a rule id, or null.</param>
    /// <param name="rejected">Rules YARP refused, rule id → reason.</param>
    /// <param name="notProgrammed">Receives rules that should have had an endpoint and did not.</param>
    /// <param name="previous">The model the table serving now was bound from (this one, when binding it again): when
    /// only some rules' entries changed and each new entry takes its old one's place, that table is patched instead of
    /// built again (an endpoint change: 10,000 entries sorted into 2,000 hosts, for one or two that changed).</param>
    public RouteTable Bind(Func<string, RuleEndpoint?> endpoints, IReadOnlyDictionary<string, string> rejected, ICollection<string>? notProgrammed,
        CompiledModel? previous = null)
    {
        var bound = new MatchedRoute[Model.Routes.Count][];
        var last = previous?._bound is { } b && b.Length == bound.Length && previous._table is not null ? b : null;
        var swaps = last is null ? null : new List<(MatchedRoute Old, MatchedRoute New)>();
        for (var r = 0; r < Model.Routes.Count; r++)
        {
            var route = Model.Routes[r];
            var endpoint = endpoints(route.Id);
            var unavailable = Unavailability(route, endpoint, rejected);
            if (unavailable?.Reason == NotProgrammed)
            {
                notProgrammed?.Add(route.Id);
            }

            bound[r] = Rules[r].Bind(route, endpoint, unavailable);
            if (swaps is null || ReferenceEquals(bound[r], last![r])) { continue; }
            if (bound[r].Length != last[r].Length) { swaps = null; continue; }
            for (var m = 0; m < bound[r].Length; m++) { swaps.Add((last[r][m], bound[r][m])); }
        }

        var table = swaps is not null ? previous!._table!.WithReplaced(swaps) : null;
        _bound = bound;
        _table = table ?? RouteTable.Build(Flatten(bound));
        return _table;
    }

    private static List<MatchedRoute> Flatten(MatchedRoute[][] bound)
    {
        var count = 0;
        foreach (var rule in bound) { count += rule.Length; }
        var matches = new List<MatchedRoute>(count);
        foreach (var rule in bound) { matches.AddRange(rule); }
        return matches;
    }

    // The last Bind's entries per rule and the table built from them. Binding is serialised by the publisher.
    private MatchedRoute[][]? _bound;
    private RouteTable? _table;

    public const string NotProgrammed = "NotProgrammed";

    private Unavailable? Unavailability(RouteModel route, RuleEndpoint? endpoint, IReadOnlyDictionary<string, string> rejected)
    {
        if (route.Unavailable is { } unavailable)
        {
            return unavailable;
        }

        if (Invalid.TryGetValue(route.Id, out var invalid) || rejected.TryGetValue(route.Id, out invalid))
        {
            return new Unavailable("InvalidConfiguration", invalid);
        }

        // An AI rule (Ai.AiMiddleware) or a redirect (Routing.RedirectResponse) answers itself: it has no backends to be
        // ready and no proxy endpoint.
        if (route.AnswersItself)
        {
            return null;
        }

        if (!HasReadyBackend(route))
        {
            return new Unavailable("NoReadyEndpoints", $"Route '{route.Id}' has no ready endpoint to send the request to.");
        }

        return endpoint is null
            ? new Unavailable(NotProgrammed, $"Route '{route.Id}' is not programmed in the proxy yet.")
            : null;
    }

    // A loop, not Any(): this runs for every rule on every publish.
    private static bool HasReadyBackend(RouteModel route)
    {
        for (var i = 0; i < route.Backends.Count; i++)
        {
            if (route.Backends[i] is { Weight: > 0, Endpoints.Count: > 0 }) { return true; }
        }
        return false;
    }
}
