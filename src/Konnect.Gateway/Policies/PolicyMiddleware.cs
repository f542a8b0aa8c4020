using Konnect.Gateway.Errors;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Policies.Cors;
using Konnect.Gateway.Policies.RateLimiting;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Konnect.Gateway.Policies;

/// <summary>
/// Runs the matched rule's policies in the order DESIGN.md fixes, after the router and before YARP:
/// IP access, then CORS (preflights answered here and never proxied; actual responses decorated on the way out), then
/// authentication (401) and authorization (403), which set x-konnect-consumer and x-konnect-consumer-groups upstream,
/// then the rate limit (429), which needs to know the consumer.
/// </summary>
// JwksCache comes in here, not from RequestServices: the first RequestServices call creates a DI scope per request.
internal sealed class PolicyMiddleware(RequestDelegate next, JwksCache jwks)
{
    public Task InvokeAsync(HttpContext context)
    {
        // The identity headers are the gateway's to set: a client-sent copy must never reach an upstream, on any route.
        var requestHeaders = context.Request.Headers;
        requestHeaders.Remove(ConsumerIdentity.Header);
        requestHeaders.Remove(ConsumerIdentity.GroupsHeaderName);

        if (context.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Policies: RoutePolicies policies } matched)
        {
            return next(context);
        }

        if (policies.IpAccess is { } ipAccess)
        {
            var client = ipAccess.ClientAddress(context);
            if (!ipAccess.IsAllowed(client))
            {
                return ProblemResponse.WriteAsync(context, Problem.IpDenied,
                    $"The client address {client?.ToString() ?? "(unknown)"} may not call this route (KonnectPolicy {ipAccess.Policy}).");
            }
        }

        if (policies.Cors is { } cors)
        {
            var request = context.Request;
            var origin = request.Headers.Origin;
            if (origin.Count == 1 && !string.IsNullOrEmpty(origin[0]))
            {
                if (HttpMethods.IsOptions(request.Method) && request.Headers.AccessControlRequestMethod.Count > 0)
                {
                    return Preflight(context, cors, origin[0]!);
                }

                if (cors.IsOriginAllowed(origin[0]!))
                {
                    // Static callback with the context as state: no closure allocated per request.
                    context.Response.OnStarting(static state => Decorate((HttpContext)state), context);
                }
            }
        }

        if (policies.Authentication is not null || policies.Authorization is not null || policies.RateLimit is not null)
        {
            return IdentifyAsync(context, policies, matched);
        }

        return next(context);
    }

    /// <summary>Authentication, authorization, then the rate limit; the request goes on only with the identity headers set.</summary>
    private Task IdentifyAsync(HttpContext context, RoutePolicies policies, MatchedRoute matched)
    {
        // API keys, basic auth and local limits decide synchronously: then no async frame of ours spans the proxied
        // exchange. A JWKS fetch or a cluster limit takes the awaiting path.
        var identified = Identify(context, policies, matched, jwks);
        if (!identified.IsCompletedSuccessfully) { return IdentifiedAsync(context, policies, identified); }
        var (refused, consumer) = identified.Result;
        if (refused is not null) { return refused; }
        if (policies.RateLimit is not { } limit) { return next(context); }
        var admitted = RateLimitGate.AdmitAsync(context, limit, consumer, policies.Authentication?.Anonymous, policies.IpAccess);
        return admitted.IsCompletedSuccessfully ? (admitted.Result ? next(context) : Task.CompletedTask) : AdmittedAsync(context, admitted);
    }

    private async Task IdentifiedAsync(HttpContext context, RoutePolicies policies, ValueTask<(Task? Refused, ConsumerIdentity? Consumer)> identified)
    {
        var (refused, consumer) = await identified;
        if (refused is not null)
        {
            await refused;
            return;
        }
        if (policies.RateLimit is { } limit && !await RateLimitGate.AdmitAsync(context, limit, consumer, policies.Authentication?.Anonymous, policies.IpAccess))
        {
            return;
        }
        await next(context);
    }

    private async Task AdmittedAsync(HttpContext context, ValueTask<bool> admitted)
    {
        if (await admitted) { await next(context); }
    }

    private static async ValueTask<(Task? Refused, ConsumerIdentity? Consumer)> Identify(HttpContext context, RoutePolicies policies, MatchedRoute matched, JwksCache jwks)
    {
        ConsumerIdentity? consumer = null;
        if (policies.Authentication is { } authentication)
        {
            var outcome = await authentication.AuthenticateAsync(context, jwks);
            consumer = outcome.Consumer;
            if (consumer is null)
            {
                if (outcome.Problem == Problem.Unauthorized && authentication.Challenge.Count > 0)
                {
                    context.Response.Headers.WWWAuthenticate = authentication.Challenge;
                }
                return (ProblemResponse.WriteAsync(context, outcome.Problem!, outcome.Detail!), null);
            }
        }

        if (policies.Authorization is { } authorization)
        {
            if (consumer is null)
            {
                // Authorization without authentication cannot know who calls: refuse, never allow by default.
                return (ProblemResponse.WriteAsync(context, Problem.Unauthorized,
                    $"This route only admits authorized consumers but its policies enable no authentication method (KonnectPolicy {authorization.Policy})."), null);
            }
            if (authorization.Check(consumer, matched.RouteKey) is { } denied)
            {
                return (ProblemResponse.WriteAsync(context, Problem.ConsumerForbidden, denied), null);
            }
        }

        if (consumer is not null)
        {
            context.Request.Headers[ConsumerIdentity.Header] = consumer.Id;
            if (consumer.GroupsHeader.Length > 0) { context.Request.Headers[ConsumerIdentity.GroupsHeaderName] = consumer.GroupsHeader; }
        }
        return (null, consumer);
    }

    private static Task Preflight(HttpContext context, CorsRule cors, string origin)
    {
        var request = context.Request;
        var method = request.Headers.AccessControlRequestMethod.ToString();
        var why = !cors.IsOriginAllowed(origin) ? $"origin {origin} is not allowed"
            : !cors.IsMethodAllowed(method) ? $"method {method} is not allowed"
            : !cors.AreHeadersAllowed(request.Headers.AccessControlRequestHeaders) ? $"headers {request.Headers.AccessControlRequestHeaders} are not all allowed"
            : null;
        if (why is not null)
        {
            return ProblemResponse.WriteAsync(context, Problem.CorsDenied, $"CORS preflight refused: {why} (KonnectPolicy {cors.Policy}).");
        }

        var headers = context.Response.Headers;
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        headers.AccessControlAllowOrigin = origin;
        headers.Append(HeaderNames.Vary, "Origin");
        headers.AccessControlAllowMethods = cors.AllowMethods;
        // With "*" the requested headers are echoed: browsers ignore a literal "*" on credentialed requests.
        var allowHeaders = cors.AnyHeader ? request.Headers.AccessControlRequestHeaders.ToString() : cors.AllowHeaders;
        if (allowHeaders.Length > 0) { headers.AccessControlAllowHeaders = allowHeaders; }
        if (cors.MaxAge is { } maxAge) { headers.AccessControlMaxAge = maxAge; }
        if (cors.AllowCredentials) { headers.AccessControlAllowCredentials = "true"; }
        return Task.CompletedTask;
    }

    private static Task Decorate(HttpContext context)
    {
        // Re-read from the shared, immutable route: the callback state is only the context.
        if (context.Features.Get<IKonnectRouteFeature>() is MatchedRoute { Policies: RoutePolicies { Cors: { } cors } })
        {
            var headers = context.Response.Headers;
            // The gateway owns CORS for this rule: an upstream's own answer would contradict the policy.
            headers.AccessControlAllowOrigin = context.Request.Headers.Origin.ToString();
            headers.Append(HeaderNames.Vary, "Origin");
            if (cors.AllowCredentials) { headers.AccessControlAllowCredentials = "true"; }
            else { headers.Remove(HeaderNames.AccessControlAllowCredentials); }
            if (cors.ExposeHeaders.Length > 0) { headers.AccessControlExposeHeaders = cors.ExposeHeaders; }
        }

        return Task.CompletedTask;
    }
}
