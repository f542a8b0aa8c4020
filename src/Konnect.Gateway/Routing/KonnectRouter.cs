using Konnect.Gateway.Errors;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>
/// Routes with Konnect's own table instead of ASP.NET's matcher: Gateway API precedence and host semantics, and no
/// DFA rebuild of 10,000 routes on every change. It hands the chosen YARP endpoint to ASP.NET, whose routing
/// middleware skips matching when an endpoint is already set, so only YARP's pipeline runs after it.
/// </summary>
internal sealed class KonnectRouter(RequestDelegate next, CurrentRouteTable routes, GatewayState state)
{
    public Task InvokeAsync(HttpContext context)
    {
        var path = PathNormalizer.Normalize(context);
        if (path is null)
        {
            return ProblemResponse.WriteAsync(context, Problem.BadPath, "The path contains an encoded slash (%2F, %5C), a backslash or a '..;' segment, which Konnect refuses: upstreams disagree on what they mean.");
        }

        var match = routes.Table.Match(context.Request, path);
        if (match is null)
        {
            if (!state.IsReady)
            {
                // Before the first model a 404 would tell clients the API is gone; it is only not loaded yet.
                return ProblemResponse.WriteAsync(context, Problem.NotReady, "The gateway is starting and has not applied its first configuration.");
            }

            return ProblemResponse.WriteAsync(context, Problem.NoRoute, $"No route matches host '{context.Request.Host.Host}' and path '{context.Request.Path}'.");
        }

        // Before anything answers: a deprecated version's 503s, 401s and 429s carry its headers too.
        match.Lifecycle?.OnStarting(context.Response);

        if (match.Route.Redirect is { } redirect && match.Unavailable is null)
        {
            context.Features.Set<IKonnectRouteFeature>(match);
            return RedirectResponse.WriteAsync(context, match, redirect);
        }

        if (match.Endpoint is null && match.Unavailable is null)
        {
            // An AI rule: no proxy endpoint, the AI step answers it (it runs after the policies).
            context.Features.Set<IKonnectRouteFeature>(match);
            return next(context);
        }

        if (match.Endpoint is null && match.Route.Api?.IsGone(DateTimeOffset.UtcNow) == true)
        {
            // A version that is gone is answered 410 whatever its backends (a retired API's Service is often deleted): on
            // to the policies and the lifecycle step, which answers before anything would need an endpoint.
            context.Features.Set<IKonnectRouteFeature>(match);
            return next(context);
        }

        if (match.Endpoint is null)
        {
            // Never fall through: a less specific rule may lack this rule's authentication.
            var unavailable = match.Unavailable!;
            return ProblemResponse.WriteAsync(context, Problem.For(unavailable), $"{unavailable.Reason}: {unavailable.Message}");
        }

        if (match.Route.RewritePathPrefix is not null && context.Request.Path.Value?.Contains(';', StringComparison.Ordinal) == true)
        {
            return ProblemResponse.WriteAsync(context, Problem.BadPath, "Path parameters (;) are not accepted on a route that rewrites its path prefix.");
        }

        context.Features.Set<IKonnectRouteFeature>(match);
        context.SetEndpoint(match.Endpoint.Get());
        return next(context);
    }
}
