using System.Diagnostics;
using Konnect.Gateway.Observability.Metrics;
using Konnect.Gateway.Observability.Tracing;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Observability;

/// <summary>
/// The last step of YARP's pipeline, right before the forwarder: what it times is the upstream exchange (connect,
/// request, response headers and body relayed), and it learns which backend the load balancer chose. With tracing on,
/// the attempt is a client span, child of the request's server span.
/// </summary>
internal sealed class UpstreamTimingMiddleware(RequestDelegate next, GatewayMetrics metrics, GatewayTracing tracing, GatewayOptions options)
{
    private readonly bool _metrics = options.Metrics;

    public async Task InvokeAsync(HttpContext context)
    {
        var telemetry = context.Features.Get<RequestTelemetry>();
        Activity? attempt = null;
        if (tracing.Enabled && telemetry?.ServerSpan is { } server)
        {
            attempt = RequestSpans.StartUpstream(tracing.Source, server, context);
            telemetry.UpstreamSpan = attempt;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        finally
        {
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var backend = BackendName(context);
            if (attempt is not null)
            {
                RequestSpans.EndUpstream(attempt, context, backend);
                telemetry!.UpstreamSpan = null;
            }

            // No destination means the forwarder never ran (none available): there was no upstream exchange to time.
            if (backend is not null && context.Features.Get<IKonnectRouteFeature>() is { } matched)
            {
                if (telemetry is not null)
                {
                    telemetry.Backend = backend;
                    telemetry.UpstreamSeconds = seconds;
                }

                if (_metrics) { metrics.UpstreamCompleted(matched.Route.Namespace, matched.Route.Route, backend, seconds); }
            }
        }
    }

    /// <summary>
    /// The backend of the destination's <see cref="DestinationId"/> names the backend in the model, a bounded label
    /// (addresses of pods are not).
    /// </summary>
    private static string? BackendName(HttpContext context)
    {
        if (context.Features.Get<IReverseProxyFeature>()?.ProxiedDestination?.DestinationId is not { } id
            || context.Features.Get<IKonnectRouteFeature>() is not { } matched)
        {
            return null;
        }

        return DestinationId.TryParseBackend(id, out var index) && index < matched.Route.Backends.Count
            ? matched.Route.Backends[index].Name
            : null;
    }
}
