using Konnect.Gateway.Yarp;
using Konnect.Controller.Model;
using Konnect.Gateway.Policies.Authentication;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>
/// A model with its matchers compiled, ready to be bound to YARP's endpoints once YARP has applied the snapshot.
/// Compiling happens before YARP sees anything, so a pattern that does not compile is known (and reported) up front.
/// </summary>
internal sealed class CompiledModel
{
    private CompiledModel(GatewayModel model, CompiledRule[] rules, Dictionary<string, string> invalid)
    {
        Model = model;
        Rules = rules;
        Invalid = invalid;
    }

    public GatewayModel Model { get; }

    /// <summary>One per rule of <see cref="Model"/>, in model order.</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>Rules with a match that does not compile (rule id → reason). Their other matches still answer 503.</summary>
    public IReadOnlyDictionary<string, string> Invalid { get; }

    public static CompiledModel Compile(GatewayModel model, RegexCache regexes) =>
        Compile(model, regexes, new Dictionary<string, CompiledRule>(), model.Consumers.Count == 0 ? ConsumerIndex.Empty : new ConsumerIndex(model.Consumers));

    /// <param name="previous">The last model's rules by id: a rule that serves alike is taken from here, not compiled again.</param>
    /// <param name="consumers">The model's consumers, one index shared by every rule that authenticates.</param>
    public static CompiledModel Compile(GatewayModel model, RegexCache regexes, IReadOnlyDictionary<string, CompiledRule> previous, ConsumerIndex consumers)
    {
        var invalid = new Dictionary<string, string>(StringComparer.Ordinal);
        var rules = new CompiledRule[model.Routes.Count];
        for (var r = 0; r < model.Routes.Count; r++)
        {
            var route = model.Routes[r];
            rules[r] = previous.TryGetValue(route.Id, out var kept) && kept.CanServe(route, consumers)
                ? kept
                : CompiledRule.Compile(route, regexes, consumers);
            if (rules[r].Invalid is { } reason)
            {
                invalid[route.Id] = reason;
            }
        }

        return new CompiledModel(model, rules, invalid);
    }

    /// <summary>
    /// Builds the route table. Every rule keeps its matches: one that cannot be served (unavailable in the model,
    /// refused by YARP, nothing to proxy to, no endpoint) answers 503 rather than letting a less specific rule answer.
    /// </summary>
    /// <param name="endpoints">The endpoint serving a rule id, or null.</param>
    /// <param name="rejected">Rules YARP refused, rule id → reason.</param>
    /// <param name="notProgrammed">Receives rules that should have had an endpoint and did not.</param>
    public RouteTable Bind(Func<string, RuleEndpoint?> endpoints, IReadOnlyDictionary<string, string> rejected, ICollection<string>? notProgrammed)
    {
        var matches = new List<MatchedRoute>();
        for (var r = 0; r < Model.Routes.Count; r++)
        {
            var route = Model.Routes[r];
            var endpoint = endpoints(route.Id);
            var unavailable = Unavailability(route, endpoint, rejected);
            if (unavailable?.Reason == NotProgrammed)
            {
                notProgrammed?.Add(route.Id);
            }

            matches.AddRange(Rules[r].Bind(route, endpoint, unavailable));
        }

        return RouteTable.Build(matches);
    }

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

        if (!route.Backends.Any(b => b.Weight > 0 && b.Endpoints.Count > 0))
        {
            return new Unavailable("NoReadyEndpoints", $"Route '{route.Id}' has no ready endpoint to send the request to.");
        }

        return endpoint is null
            ? new Unavailable(NotProgrammed, $"Route '{route.Id}' is not programmed in the proxy yet.")
            : null;
    }
}
