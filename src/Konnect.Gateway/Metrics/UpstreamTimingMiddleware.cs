using System.Diagnostics;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Metrics;

/// <summary>
/// The last step of YARP's pipeline, right before the forwarder: what it times is the upstream exchange (connect,
/// request, response headers and body relayed), and it learns which backend the load balancer chose.
/// </summary>
internal sealed class UpstreamTimingMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            // No destination means the forwarder never ran (none available): there was no upstream exchange to time.
            if (BackendName(context) is { } backend && context.Features.Get<IKonnectRouteFeature>() is { } matched)
            {
                if (context.Features.Get<RequestTelemetry>() is { } telemetry)
                {
                    telemetry.Backend = backend;
                    telemetry.UpstreamSeconds = seconds;
                }

                metrics.UpstreamCompleted(matched.Route.Namespace, matched.Route.Route, backend, seconds);
            }
        }
    }

    /// <summary>
    /// Destinations are named "b{index}/{address}" by YarpConfigBuilder: the index names the backend in the model,
    /// a bounded label (addresses of pods are not).
    /// </summary>
    private static string? BackendName(HttpContext context)
    {
        if (context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId is not { } id
            || context.Features.Get<IKonnectRouteFeature>() is not { } matched)
        {
            return null;
        }

        var slash = id.IndexOf('/', StringComparison.Ordinal);
        return slash > 1 && int.TryParse(id.AsSpan(1, slash - 1), out var index) && index < matched.Route.Backends.Count
            ? matched.Route.Backends[index].Name
            : null;
    }
}
