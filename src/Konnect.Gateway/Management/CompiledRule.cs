using Konnect.Model;
using Konnect.Gateway.Policies;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Routing;
using Yarp.ReverseProxy.Configuration;

namespace Konnect.Gateway.Management;

/// <summary>
/// What the data plane builds from one rule: its matchers, its policies and its YARP route and cluster, with the
/// verdict of YARP's validator. Kept from one publish to the next while the rule serves alike
/// (<see cref="RouteModelIdentity.SameExceptRanks"/>), so a change to one rule among 10,000 rebuilds one rule, and
/// YARP gets the same config instances for the others (its diff then finds them unchanged).
/// </summary>
internal sealed class CompiledRule
{
    private readonly ConsumerIndex? _consumers;
    private BoundRule? _bound;

    private CompiledRule(RouteModel route, RouteMatcher?[] matchers, RoutePolicies? policies, string? invalid, ConsumerIndex? consumers)
    {
        Route = route;
        Matchers = matchers;
        Policies = policies;
        Invalid = invalid;
        _consumers = consumers;
    }

    /// <summary>The model this was compiled from (a later, equal one may carry other ranks).</summary>
    public RouteModel Route { get; }

    /// <summary>One per match; null where the match does not compile.</summary>
    public RouteMatcher?[] Matchers { get; }

    public RoutePolicies? Policies { get; }

    /// <summary>Why the rule cannot serve (a match or policy that does not compile), or null.</summary>
    public string? Invalid { get; }

    /// <summary>YARP's route and cluster once built; null when the rule has nothing to proxy to.</summary>
    public (RouteConfig Route, ClusterConfig Cluster)? Yarp { get; private set; }

    /// <summary>YARP's validation errors for <see cref="Yarp"/>, joined; null when valid.</summary>
    public string? YarpRejection { get; private set; }

    public bool YarpBuilt { get; private set; }

    /// <summary>Records the YARP config and its verdict; called once, by the publisher.</summary>
    public void SetYarp((RouteConfig Route, ClusterConfig Cluster)? config, string? rejection)
    {
        Yarp = config;
        YarpRejection = rejection;
        YarpBuilt = true;
    }

    /// <summary>
    /// The rule's entries for the route table, one per match that compiled. The last ones are handed back while the
    /// rule, its endpoint and its unavailability are the same, so a publish that changed other rules allocates
    /// nothing for this one. Binding is serialised by the publisher.
    /// </summary>
    public MatchedRoute[] Bind(RouteModel route, RuleEndpoint? endpoint, Unavailable? unavailable)
    {
        if (_bound is { } bound && ReferenceEquals(bound.Route, route) && ReferenceEquals(bound.Endpoint, endpoint) && Equals(bound.Unavailable, unavailable))
        {
            return bound.Matches;
        }

        var matches = new List<MatchedRoute>(route.Matches.Count);
        for (var m = 0; m < route.Matches.Count; m++)
        {
            // A match we cannot evaluate cannot claim requests; the rule's other matches still do.
            if (Matchers[m] is { } matcher)
            {
                matches.Add(new MatchedRoute(route, route.Matches[m], matcher, endpoint, unavailable, Policies));
            }
        }

        _bound = new BoundRule(route, endpoint, unavailable, [.. matches]);
        return _bound.Matches;
    }

    /// <summary>
    /// True when this can serve <paramref name="route"/>: it serves alike, and an authenticating rule was compiled
    /// against the same consumers.
    /// </summary>
    public bool CanServe(RouteModel route, ConsumerIndex consumers) =>
        RouteModelIdentity.SameExceptRanks(Route, route) && (Policies?.Authentication is null || ReferenceEquals(_consumers, consumers));

    public static CompiledRule Compile(RouteModel route, RegexCache regexes, ConsumerIndex consumers)
    {
        string? invalid = null;
        RoutePolicies? policies = null;
        try
        {
            policies = RoutePolicies.Compile(route.Policies, consumers, route.Id);
        }
        catch (FormatException ex)
        {
            // Fail closed: a rule whose policy cannot be enforced answers 503 rather than serving without it.
            invalid = $"Route '{route.Id}': policy does not compile: {ex.Message}";
        }

        var matchers = new RouteMatcher?[route.Matches.Count];
        for (var m = 0; m < route.Matches.Count; m++)
        {
            try
            {
                matchers[m] = RouteMatcher.Compile(route.Matches[m], regexes);
            }
            catch (ArgumentException ex)
            {
                invalid = $"Route '{route.Id}' match {m}: regular expression does not compile: {ex.Message}";
            }
        }

        return new CompiledRule(route, matchers, policies, invalid, policies?.Authentication is null ? null : consumers);
    }

    private sealed record BoundRule(RouteModel Route, RuleEndpoint? Endpoint, Unavailable? Unavailable, MatchedRoute[] Matches);
}
