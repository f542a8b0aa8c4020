namespace Konnect.Gateway;

/// <summary>
/// A kind of response the gateway itself produces: its status, a stable type URI and a short title. In the root
/// namespace because every stage that answers by itself (routing, policies, admin, errors) names one, and
/// observability reports it.
/// </summary>
public sealed record Problem(int Status, string Type, string Title)
{
    private const string Base = "https://konnect.dev/problems/";

    /// <summary>A problem of the AI gateway's prompt APIs, named by its slug.</summary>
    public static Problem Ai(int status, string slug, string title) => new(status, Base + slug, title);

    public static readonly Problem BadPath = new(400, Base + "bad-path", "The request path is not accepted");
    public static readonly Problem BadFraming = new(400, Base + "bad-framing", "The request's body framing is ambiguous");
    public static readonly Problem RequestTooLarge = new(413, Base + "request-too-large", "The request body is too large");
    public static readonly Problem Unauthorized = new(401, Base + "unauthorized", "Authentication is required");
    public static readonly Problem ConsumerForbidden = new(403, Base + "consumer-forbidden", "The consumer may not call this route");
    public static readonly Problem IpDenied = new(403, Base + "ip-denied", "The client address may not call this route");
    public static readonly Problem CorsDenied = new(403, Base + "cors-denied", "The cross-origin request is not allowed");
    public static readonly Problem RateLimited = new(429, Base + "rate-limited", "Too many requests");
    public static readonly Problem NoRoute = new(404, Base + "no-route", "No route matches the request");
    public static readonly Problem ApiGone = new(410, Base + "api-gone", "The API version is no longer served");
    public static readonly Problem NotReady = new(503, Base + "not-ready", "The gateway has no configuration yet");
    public static readonly Problem RouteUnavailable = new(503, Base + "route-unavailable", "The route cannot be served");
    public static readonly Problem InvalidBackendRef = new(500, Base + "invalid-backend-ref", "The route's backend reference is invalid");

    /// <summary>The answer for a rule that cannot be served: 500 when it names something invalid (Gateway API), else 503.</summary>
    public static Problem For(Model.Unavailable unavailable) => unavailable.InvalidReference ? InvalidBackendRef : RouteUnavailable;
    public static readonly Problem JwksUnavailable = new(503, Base + "jwks-unavailable", "The token issuer's signing keys are unavailable");
    public static readonly Problem RateLimitUnavailable = new(503, Base + "ratelimit-unavailable", "The rate limit cannot be checked");
    public static readonly Problem NoDestination = new(503, Base + "no-destination", "No upstream destination is available");
    public static readonly Problem CircuitOpen = new(503, Base + "circuit-open", "The upstream's circuit breaker is open");
    public static readonly Problem UpstreamUnreachable = new(502, Base + "upstream-unreachable", "The upstream could not be reached or failed");
    public static readonly Problem UpstreamTimeout = new(504, Base + "upstream-timeout", "The upstream did not answer in time");
    public static readonly Problem Internal = new(500, Base + "internal", "The gateway failed to handle the request");
    public static readonly Problem AdminNotFound = new(404, Base + "admin-not-found", "No such admin endpoint");
    public static readonly Problem PortalNotFound = new(404, Base + "portal-not-found", "No such API on the developer portal");
    public static readonly Problem AnalyticsOff = new(404, Base + "analytics-off", "Call analytics are off");
    public static readonly Problem SignInThrottled = new(429, Base + "sign-in-throttled", "Too many wrong credentials");
    public static readonly Problem MethodNotAllowed = new(405, Base + "method-not-allowed", "Method not allowed");
}
