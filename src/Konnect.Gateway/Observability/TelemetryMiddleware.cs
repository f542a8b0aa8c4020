using System.Diagnostics;
using Konnect.Gateway.Observability.AccessLog;
using Konnect.Gateway.Observability.Analytics;
using Konnect.Gateway.Observability.Metrics;
using Konnect.Gateway.Observability.Tracing;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Routing;
using Konnect.Model;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Observability;

/// <summary>
/// Wraps every traffic request (DESIGN.md: "metrics and the access log wrap all"): when the response has ended it
/// records the request metrics and hands the access log an entry. Admin-port requests (scrapes, probes) are neither
/// counted, logged nor traced: they would drown the traffic they are meant to observe. With tracing on, it also holds
/// the request's server span.
/// </summary>
internal sealed class TelemetryMiddleware(RequestDelegate next, GatewayListeners listeners, GatewayMetrics metrics, AccessLogWriter accessLog, GatewayOptions options,
    GatewayTracing tracing, CallAnalytics analytics)
{
    private readonly bool _analytics = options.RecordsAnalytics;
    private readonly bool _accessLog = options.AccessLog && options.AccessLogSampleRatio > 0;
    private readonly bool _metrics = options.Metrics;
    private readonly double _sampleRatio = Math.Clamp(options.AccessLogSampleRatio, 0, 1);

    /// <summary>
    /// Whether the pipeline needs this step (and <see cref="UpstreamTimingMiddleware"/>) at all: with metrics, access log
    /// and tracing all off, nothing reads what they record, and requests skip both.
    /// </summary>
    public static bool IsNeeded(GatewayOptions options, GatewayTracing tracing) =>
        options.Metrics || (options.AccessLog && options.AccessLogSampleRatio > 0) || tracing.Enabled || options.RecordsAnalytics;

    public Task InvokeAsync(HttpContext context) =>
        listeners.IsOwnPort(context.Connection.LocalPort) ? next(context) : ObserveAsync(context);

    private async Task ObserveAsync(HttpContext context)
    {
        var time = DateTimeOffset.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var telemetry = new RequestTelemetry();
        context.Features.Set(telemetry);
        if (tracing.Enabled)
        {
            telemetry.ServerSpan = RequestSpans.StartServer(tracing.Source, context);
        }

        // Counting bytes costs a wrapper per request, so only requests the access log will write pay for it.
        ByteCountingStream? counter = null;
        var body = context.Features.Get<IHttpResponseBodyFeature>()!;
        if (_accessLog && (_sampleRatio >= 1 || Random.Shared.NextDouble() < _sampleRatio))
        {
            counter = new ByteCountingStream(body.Stream);
            context.Features.Set<IHttpResponseBodyFeature>(new CountingResponseBodyFeature(body, counter));
        }

        try
        {
            await next(context);
        }
        finally
        {
            if (counter is not null)
            {
                context.Features.Set(body);
            }

            Completed(context, telemetry, time, Stopwatch.GetElapsedTime(started).TotalSeconds, counter);
        }
    }

    private void Completed(HttpContext context, RequestTelemetry telemetry, DateTimeOffset time, double seconds, ByteCountingStream? counter)
    {
        var matched = context.Features.Get<IKonnectRouteFeature>();
        // The consumer header is trustworthy only once the policy step has run, which strips client-sent copies; that
        // step runs for every request the router matched.
        var consumer = matched is null ? null : context.Request.Headers[ConsumerIdentity.Header].ToString() is { Length: > 0 } id ? id : null;
        var status = context.Response.StatusCode;
        var problem = telemetry.Problem is { } refusal ? ProblemSlug(refusal.Type) : null;
        if (telemetry.ServerSpan is { } span)
        {
            RequestSpans.EndServer(span, context, matched, consumer, problem);
        }

        if (_metrics)
        {
            metrics.RequestCompleted(matched?.Route.Namespace ?? "", matched?.Route.Route ?? GatewayMetrics.Unmatched, context.Request.Method, status, consumer, seconds,
                telemetry.ServerSpan);
            if (telemetry.Problem is { Status: 401 or 403 } refused)
            {
                metrics.AuthRejected(ProblemSlug(refused.Type));
            }
            if (matched?.Route is { Api: { State: not ApiState.Published } api } route)
            {
                metrics.DeprecatedApiCalled(route.Namespace, route.Route, api, consumer);
            }
        }

        // Listed APIs only: their figures are the portal's, and a route nobody can see there would only take memory.
        if (_analytics && matched?.Route is { Api.Listed: true } listed)
        {
            var ai = telemetry.Ai;
            var (bytesIn, bytesOut) = (context.Request.ContentLength ?? 0, counter?.BytesWritten ?? context.Response.ContentLength ?? 0);
            analytics.Record(matched is MatchedRoute key ? key.RouteKey : $"{listed.Namespace}/{listed.Route}", consumer, status, problem, seconds,
                bytesIn, bytesOut, ai?.InputTokens ?? 0, ai?.OutputTokens ?? 0, ai is null ? 0 : AnalyticsCost.Micros(listed.Policies?.Ai?.Prices, ai));
            if (_metrics) { metrics.ApiBytes(listed.Namespace, listed.Route, bytesIn, bytesOut); }
        }

        if (counter is null)
        {
            return;
        }

        var request = context.Request;
        accessLog.Enqueue(new AccessLogEntry
        {
            Time = time,
            RequestId = context.TraceIdentifier,
            ClientAddress = context.Connection.RemoteIpAddress is { } ip ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString() : null,
            Method = request.Method,
            Host = request.Host.Value ?? "",
            Path = request.PathBase.Add(request.Path).Value ?? "/",
            Status = status,
            BytesSent = counter.BytesWritten,
            DurationMs = seconds * 1000,
            UpstreamMs = telemetry.UpstreamSeconds >= 0 ? telemetry.UpstreamSeconds * 1000 : null,
            Route = matched is MatchedRoute m ? m.RouteKey : matched is null ? null : $"{matched.Route.Namespace}/{matched.Route.Route}",
            Backend = telemetry.Backend,
            Consumer = consumer,
            Problem = problem,
            TraceId = telemetry.ServerSpan is { } traced ? traced.TraceId.ToHexString() : RequestSpans.IncomingTraceId(context),
            Ai = telemetry.Ai,
        });
    }

    /// <summary>"https://konnect.dev/problems/unauthorized" -> "unauthorized": a short, bounded label value.</summary>
    private static string ProblemSlug(string type) => type[(type.LastIndexOf('/') + 1)..];
}
