using Konnect.Model;

namespace Konnect.Gateway.Routing;

/// <summary>
/// One match of one rule inside a <see cref="RouteTable"/>, bound to the YARP endpoint that serves it.
/// Built once per applied model and handed to every request it matches, so routing allocates nothing.
/// </summary>
internal sealed class MatchedRoute : IKonnectRouteFeature
{
    public MatchedRoute(RouteModel route, MatchModel match, RouteMatcher matcher, RuleEndpoint? endpoint, Unavailable? unavailable, object? policies = null)
    {
        // A rule that answers itself (the AI APIs, a redirect) has no proxy endpoint and needs none.
        if (endpoint is null && unavailable is null && !route.AnswersItself)
        {
            throw new ArgumentException($"Route '{route.Id}' needs an endpoint or a reason why it has none.", nameof(unavailable));
        }

        Route = route;
        Match = match;
        Matcher = matcher;
        Endpoint = unavailable is null ? endpoint : null;
        Unavailable = unavailable;
        Policies = policies;
        Lifecycle = ApiLifecycleHeaders.For(route.Api);
        Https = route.Scheme switch { "https" => true, "http" => false, _ => null };
    }

    /// <summary>True when the rule answers HTTPS requests only, false for plain HTTP only, null for both.</summary>
    public bool? Https { get; }

    private string? _routeKey;
    private string? _rewriteReplacement;
    /// <summary>The deprecation headers of the rule's API version; null when it is published or declares none.</summary>
    public ApiLifecycleHeaders? Lifecycle { get; }

    /// <summary>rewrite.pathPrefix as the prefix rewrite uses it (no trailing '/'); null when the rule has none.</summary>
    public string? RewriteReplacement => Route.RewritePathPrefix is { } replacement
        ? _rewriteReplacement ??= PrefixRewriteTransform.Normalize(replacement)
        : null;

    /// <summary>"namespace/name" of the KonnectRoute, as consumers write it in spec.subscriptions; built at first use.</summary>
    public string RouteKey => _routeKey ??= $"{Route.Namespace}/{Route.Route}";

    /// <summary>
    /// The rule's compiled policy blocks (Policies' <c>RoutePolicies</c>), shared by all its matches; null when it
    /// enforces none. Typed as object on purpose: the router carries them to the steps that enforce them without
    /// knowing them, so policies depend on routing (they act on the matched rule) and never the reverse, as ASP.NET's
    /// endpoints carry metadata their middleware read.
    /// </summary>
    public object? Policies { get; }

    public string RouteId => Route.Id;

    public RouteModel Route { get; }

    public MatchModel Match { get; }

    public RouteMatcher Matcher { get; }

    /// <summary>YARP's endpoint for this rule; null when the rule answers 503 with <see cref="Unavailable"/>.</summary>
    public RuleEndpoint? Endpoint { get; }

    public Unavailable? Unavailable { get; }
}
