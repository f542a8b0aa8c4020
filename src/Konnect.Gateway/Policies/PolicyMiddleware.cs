using Konnect.Gateway.Errors;
using Konnect.Gateway.Policies.Cors;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Konnect.Gateway.Policies;

/// <summary>
/// Runs the matched rule's policies in the order DESIGN.md fixes, after the router and before YARP:
/// IP access, then CORS (preflights answered here and never proxied; actual responses decorated on the way out).
/// </summary>
internal sealed class PolicyMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Policies: { } policies })
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

        return next(context);
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
        if (context.Features.Get<IKonnectRouteFeature>() is MatchedRoute { Policies.Cors: { } cors })
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
