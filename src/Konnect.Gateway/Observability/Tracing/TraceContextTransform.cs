using Yarp.ReverseProxy.Transforms;

namespace Konnect.Gateway.Observability.Tracing;

/// <summary>
/// Sends the upstream the W3C trace context of its attempt's client span, replacing the client's copy that YARP carried
/// over with the other headers. The forwarder's HttpClient injects nothing itself (its propagator is off, see
/// <c>AddKonnectGateway</c>): it would inject a child activity of its own, a parent the upstream could find in no trace.
/// Added to routes only when tracing is on; off, the client's traceparent and tracestate reach the upstream as sent.
/// </summary>
internal sealed class TraceContextTransform : RequestTransform
{
    public static readonly TraceContextTransform Instance = new();

    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (context.HttpContext.Features.Get<RequestTelemetry>()?.UpstreamSpan is { } span)
        {
            var headers = context.ProxyRequest.Headers;
            headers.Remove("traceparent");
            headers.Remove("tracestate");
            headers.TryAddWithoutValidation("traceparent", span.Id);
            if (!string.IsNullOrEmpty(span.TraceStateString))
            {
                headers.TryAddWithoutValidation("tracestate", span.TraceStateString);
            }
        }

        return ValueTask.CompletedTask;
    }
}
