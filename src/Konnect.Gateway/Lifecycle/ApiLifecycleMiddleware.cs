using Konnect.Gateway.Errors;
using Konnect.Gateway.Routing;
using Konnect.Model;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Lifecycle;

/// <summary>
/// Answers 410 Gone for a retired API version, or one past a sunset its route enforces, naming the successor. After
/// the policies on purpose: the caller is authenticated by then, so the metrics say which consumer still calls a
/// version that is gone, and a caller who may not use the API learns nothing more from a 410 than from a 401.
/// </summary>
internal sealed class ApiLifecycleMiddleware(RequestDelegate next, TimeProvider time)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Lifecycle: { } lifecycle } matched) { return next(context); }
        if (lifecycle.Api.IsGone(time.GetUtcNow()))
        {
            var api = lifecycle.Api;
            var gone = api.State == ApiState.Retired ? "is retired" : $"reached its sunset on {lifecycle.Sunset}";
            var successor = api.Successor is { } s ? $"; use its successor {s}" : "";
            return ProblemResponse.WriteAsync(context, Problem.ApiGone, $"API {api.Name} {api.Version} {gone}{successor}.");
        }
        // The router let an unservable rule through because its version was gone then; if the clock has since stepped
        // back over an enforced sunset, it is not gone now, and it still has nothing to serve with.
        if (matched is { Endpoint: null, Unavailable: { } unavailable })
        {
            return ProblemResponse.WriteAsync(context, Problem.For(unavailable), $"{unavailable.Reason}: {unavailable.Message}");
        }
        return next(context);
    }
}
