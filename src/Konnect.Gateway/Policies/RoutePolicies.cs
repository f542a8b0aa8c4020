using Konnect.Model;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Policies.Authorization;
using Konnect.Gateway.Policies.Caching;
using Konnect.Gateway.Policies.Cors;
using Konnect.Gateway.Policies.IpAccess;
using Konnect.Gateway.Policies.RateLimiting;
using Konnect.Gateway.Policies.Transforms;

namespace Konnect.Gateway.Policies;

/// <summary>
/// A rule's enforced policy blocks, compiled once per applied model and shared by all its requests. The matched route
/// carries it (as <see cref="Routing.MatchedRoute.Policies"/>); the blocks whose steps run on their own read their part
/// through an interface of their own (<see cref="ICachePolicies"/>, <see cref="ITransformPolicies"/>).
/// </summary>
internal sealed class RoutePolicies : ICachePolicies, ITransformPolicies
{
    private RoutePolicies(IpAccessRule? ipAccess, CorsRule? cors, AuthenticationRule? authentication, AuthorizationRule? authorization, RateLimitRule? rateLimit)
    {
        RateLimit = rateLimit;
        IpAccess = ipAccess;
        Cors = cors;
        Authentication = authentication;
        Authorization = authorization;
    }

    public IpAccessRule? IpAccess { get; }

    public CorsRule? Cors { get; }

    public AuthenticationRule? Authentication { get; }

    public AuthorizationRule? Authorization { get; }

    public RateLimitRule? RateLimit { get; }

    public bool Authenticates => Authentication is not null;

    public CacheRule? Cache { get; private init; }

    public TransformRule? RequestTransform { get; private init; }

    public TransformRule? ResponseTransform { get; private init; }

    /// <param name="consumers">The model's consumers, shared by every rule that authenticates.</param>
    /// <param name="routeId">The rule's id: its rate-limit counters are its own.</param>
    /// <exception cref="FormatException">A block does not compile; the caller makes the rule answer 503.</exception>
    public static RoutePolicies? Compile(PoliciesModel? model, ConsumerIndex? consumers = null, string routeId = "") =>
        // Resilience is YARP's cluster configuration, not a per-request rule: a rule with only that needs none here.
        model is null || (model with { Resilience = null }).IsEmpty
        ? null
        : new RoutePolicies(
            model.IpAccess is { } ip ? IpAccessRule.Compile(ip) : null,
            model.Cors is { } cors ? CorsRule.Compile(cors) : null,
            model.Authentication is { } authn ? AuthenticationRule.Compile(authn, consumers ?? ConsumerIndex.Empty) : null,
            model.Authorization is { } authz ? AuthorizationRule.Compile(authz) : null,
            model.RateLimit is { } limit ? RateLimitRule.Compile(limit, routeId) : null)
        {
            Cache = model.Cache is { } cache ? CacheRule.Compile(cache) : null,
            RequestTransform = model.RequestTransform is { } rq ? TransformRule.Compile(rq) : null,
            ResponseTransform = model.ResponseTransform is { } rs ? TransformRule.Compile(rs) : null,
        };
}
