using System.Diagnostics;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Observability.Tracing;

/// <summary>
/// The two spans of a traffic request: the server span (the whole exchange, named "{method} {route template}") and
/// one client span per upstream attempt, its child. Attribute names follow the OpenTelemetry HTTP semantic conventions;
/// Konnect's own carry a "konnect." prefix. No attribute holds a query string or a header value: both can carry
/// credentials.
/// </summary>
internal static class RequestSpans
{
    /// <summary>
    /// Starts the server span, continuing the client's W3C trace context when it sent a valid one, else as a new root.
    /// </summary>
    public static Activity? StartServer(ActivitySource source, HttpContext context)
    {
        var request = context.Request;
        ActivityContext.TryParse(Single(request.Headers[HeaderNames.TraceParent]), Single(request.Headers[HeaderNames.TraceState]),
            isRemote: true, out var parent);
        // ASP.NET starts an activity of its own when its diagnostics logging is on; it is exported nowhere, so it must be
        // neither the parent of a root span (an unknown parent breaks the trace) nor its sibling's parent.
        Activity.Current = null;
        return source.StartActivity(request.Method, ActivityKind.Server, parent);
    }

    /// <summary>Names the span after the route that matched and records what the response turned out to be.</summary>
    public static void EndServer(Activity span, HttpContext context, IKonnectRouteFeature? matched, string? consumer, string? problem)
    {
        if (span.IsAllDataRequested)
        {
            var request = context.Request;
            var method = KnownMethod(request.Method);
            var status = context.Response.StatusCode;
            // The template, not the path: span names must stay few for backends to group them (semantic conventions).
            span.DisplayName = method is null ? (matched is null ? "HTTP" : $"HTTP {matched.Match.Path}")
                : matched is null ? method : $"{method} {matched.Match.Path}";
            span.SetTag("http.request.method", method ?? "_OTHER");
            span.SetTag("url.scheme", request.Scheme);
            span.SetTag("url.path", request.PathBase.Add(request.Path).Value ?? "/");
            span.SetTag("server.address", request.Host.Host);
            span.SetTag("http.response.status_code", status);
            if (matched is not null)
            {
                span.SetTag("http.route", matched.Match.Path);
                span.SetTag("konnect.route", matched.RouteId);
            }

            if (consumer is not null) { span.SetTag("konnect.consumer", consumer); }
            if (problem is not null) { span.SetTag("konnect.problem", problem); }
            // Server spans are failures on 5xx only: a 4xx is the client's mistake, not the gateway's.
            if (status >= 500)
            {
                span.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                span.SetStatus(ActivityStatusCode.Error);
            }
        }

        span.Stop();
    }

    /// <summary>
    /// Starts the client span of one forwarder attempt, its parent the server span; <see cref="TraceContextTransform"/>
    /// sends its context to the upstream.
    /// </summary>
    public static Activity? StartUpstream(ActivitySource source, Activity server, HttpContext context)
    {
        var destination = context.Features.Get<IReverseProxyFeature>()?.AvailableDestinations is [var only] ? only : null;
        var method = KnownMethod(context.Request.Method);
        var span = source.StartActivity(method ?? "HTTP", ActivityKind.Client, server.Context);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("http.request.method", method ?? "_OTHER");
            if (destination?.Model.Config.Address is { } address && Uri.TryCreate(address, UriKind.Absolute, out var uri))
            {
                span.SetTag("server.address", uri.Host);
                span.SetTag("server.port", uri.Port);
                span.SetTag("konnect.destination", uri.GetLeftPart(UriPartial.Authority));
            }
        }

        return span;
    }

    /// <summary>Ends an upstream attempt with the status it relayed, or YARP's reason when it failed.</summary>
    public static void EndUpstream(Activity span, HttpContext context, string? backend)
    {
        if (span.IsAllDataRequested)
        {
            if (backend is not null) { span.SetTag("konnect.backend", backend); }
            if (context.Features.Get<IForwarderErrorFeature>() is { Error: not ForwarderError.None } failed)
            {
                span.SetTag("error.type", failed.Error.ToString());
                span.SetStatus(ActivityStatusCode.Error);
            }
            else
            {
                var status = context.Response.StatusCode;
                span.SetTag("http.response.status_code", status);
                if (status >= 400)
                {
                    span.SetTag("error.type", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    span.SetStatus(ActivityStatusCode.Error);
                }
            }
        }

        span.Stop();
    }

    /// <summary>The trace a request belongs to when tracing is off: the client's, if it sent a valid traceparent.</summary>
    public static string? IncomingTraceId(HttpContext context) =>
        ActivityContext.TryParse(Single(context.Request.Headers[HeaderNames.TraceParent]), null, isRemote: true, out var parent)
            ? parent.TraceId.ToHexString()
            : null;

    /// <summary>Two traceparent headers are invalid (W3C trace context): neither is trusted.</summary>
    private static string? Single(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 1 ? values[0] : null;

    /// <summary>Methods outside the registered set become "_OTHER", so a client cannot mint span names.</summary>
    private static string? KnownMethod(string method) => method switch
    {
        "GET" or "HEAD" or "POST" or "PUT" or "DELETE" or "PATCH" or "OPTIONS" or "TRACE" or "CONNECT" => method,
        _ => null,
    };
}
