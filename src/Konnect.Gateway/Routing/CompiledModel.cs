using Konnect.Controller.Model;
using Konnect.Gateway.Policies;
using Konnect.Gateway.Policies.Authentication;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>
/// A model with its matchers compiled, ready to be bound to YARP's endpoints once YARP has applied the snapshot.
/// Compiling happens before YARP sees anything, so a pattern that does not compile is known (and reported) up front.
/// </summary>
internal sealed class CompiledModel
{
    private readonly RouteMatcher?[][] _matchers;
    private readonly RoutePolicies?[] _policies;

    private CompiledModel(GatewayModel model, RouteMatcher?[][] matchers, RoutePolicies?[] policies, Dictionary<string, string> invalid)
    {
        Model = model;
        _matchers = matchers;
        _policies = policies;
        Invalid = invalid;
    }

    public GatewayModel Model { get; }

    /// <summary>Rules with a match that does not compile (rule id → reason). Their other matches still answer 503.</summary>
    public IReadOnlyDictionary<string, string> Invalid { get; }

    public static CompiledModel Compile(GatewayModel model, RegexCache regexes)
    {
        var invalid = new Dictionary<string, string>(StringComparer.Ordinal);
        var matchers = new RouteMatcher?[model.Routes.Count][];
        var policies = new RoutePolicies?[model.Routes.Count];
        // One index per model, shared by every rule that authenticates.
        var consumers = model.Consumers.Count == 0 ? ConsumerIndex.Empty : new ConsumerIndex(model.Consumers);
        for (var r = 0; r < model.Routes.Count; r++)
        {
            var route = model.Routes[r];
            try
            {
                policies[r] = RoutePolicies.Compile(route.Policies, consumers, route.Id);
            }
            catch (FormatException ex)
            {
                // Fail closed: a rule whose policy cannot be enforced answers 503 rather than serving without it.
                invalid[route.Id] = $"Route '{route.Id}': policy does not compile: {ex.Message}";
            }

            matchers[r] = new RouteMatcher?[route.Matches.Count];
            for (var m = 0; m < route.Matches.Count; m++)
            {
                try
                {
                    matchers[r][m] = RouteMatcher.Compile(route.Matches[m], regexes);
                }
                catch (ArgumentException ex)
                {
                    invalid[route.Id] = $"Route '{route.Id}' match {m}: regular expression does not compile: {ex.Message}";
                }
            }
        }

        return new CompiledModel(model, matchers, policies, invalid);
    }

    /// <summary>
    /// Builds the route table. Every rule keeps its matches: one that cannot be served (unavailable in the model,
    /// refused by YARP, nothing to proxy to, no endpoint) answers 503 rather than letting a less specific rule answer.
    /// </summary>
    /// <param name="endpoints">YARP's endpoints by route id (case-insensitive, as YARP's ids are).</param>
    /// <param name="rejected">Rules YARP refused, rule id → reason.</param>
    /// <param name="notProgrammed">Receives rules that should have had an endpoint and did not.</param>
    public RouteTable Bind(IReadOnlyDictionary<string, Endpoint> endpoints, IReadOnlyDictionary<string, string> rejected, ICollection<string>? notProgrammed)
    {
        var matches = new List<MatchedRoute>();
        for (var r = 0; r < Model.Routes.Count; r++)
        {
            var route = Model.Routes[r];
            endpoints.TryGetValue(route.Id, out var endpoint);
            var unavailable = Unavailability(route, endpoint, rejected);
            if (unavailable?.Reason == NotProgrammed)
            {
                notProgrammed?.Add(route.Id);
            }

            for (var m = 0; m < route.Matches.Count; m++)
            {
                // A match we cannot evaluate cannot claim requests; the rule's other matches still do.
                if (_matchers[r][m] is { } matcher)
                {
                    matches.Add(new MatchedRoute(route, route.Matches[m], matcher, endpoint, unavailable, _policies[r]));
                }
            }
        }

        return RouteTable.Build(matches);
    }

    public const string NotProgrammed = "NotProgrammed";

    private Unavailable? Unavailability(RouteModel route, Endpoint? endpoint, IReadOnlyDictionary<string, string> rejected)
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
