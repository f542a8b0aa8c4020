namespace Konnect.Gateway;

/// <summary>
/// What inner steps learn about one request for the metrics and the access log written when it ends: the problem the
/// gateway answered with, and the upstream attempt. A feature set by Observability's TelemetryMiddleware. It sits in
/// the root namespace because steps below the router fill it in too (Errors records the problem), while observability,
/// which reads the matched route, sits above it.
/// </summary>
internal sealed class RequestTelemetry
{
    /// <summary>The problem document the gateway wrote itself, if any (401, 404, 503...).</summary>
    public Problem? Problem { get; set; }

    /// <summary>The backend the request was forwarded to (its model name), null when it never reached the proxy.</summary>
    public string? Backend { get; set; }

    /// <summary>Seconds spent in the forwarder, or a negative value when the request was not forwarded.</summary>
    public double UpstreamSeconds { get; set; } = -1;

    /// <summary>The request's server span, the parent of each upstream attempt's span; null when tracing is off.</summary>
    public System.Diagnostics.Activity? ServerSpan { get; set; }

    /// <summary>The current upstream attempt's client span, whose context the upstream receives.</summary>
    public System.Diagnostics.Activity? UpstreamSpan { get; set; }

    /// <summary>What an AI call used, for its access-log line; null for every other request.</summary>
    public AiCallSummary? Ai { get; set; }
}

/// <summary>An AI call as the access log records it: where it went and what it used, never a prompt or a key.</summary>
internal sealed record AiCallSummary(string? Provider, string Model, string? ResponseModel, long? InputTokens, long? OutputTokens, bool Estimated, double? TimeToFirstTokenMs);
