namespace Konnect.Gateway.Observability.AccessLog;

/// <summary>
/// One request as the access log records it. Built from what the gateway already knows when the response ends; it
/// holds no header values and no query string, so no credential can reach the log through it.
/// </summary>
internal sealed record AccessLogEntry
{
    public required DateTimeOffset Time { get; init; }
    public required string RequestId { get; init; }
    public string? ClientAddress { get; init; }
    public required string Method { get; init; }
    public required string Host { get; init; }

    /// <summary>The path only: query strings can carry API keys (a policy may read the key from a parameter).</summary>
    public required string Path { get; init; }

    public required int Status { get; init; }
    public required long BytesSent { get; init; }
    public required double DurationMs { get; init; }

    /// <summary>Null when the request never reached an upstream.</summary>
    public double? UpstreamMs { get; init; }

    /// <summary>"namespace/name" of the KonnectRoute, null when none matched.</summary>
    public string? Route { get; init; }

    public string? Backend { get; init; }

    /// <summary>The consumer identity (namespace/name) the policies established; never a credential.</summary>
    public string? Consumer { get; init; }

    /// <summary>The problem type the gateway answered with itself (e.g. "unauthorized"), null for upstream answers.</summary>
    public string? Problem { get; init; }

    /// <summary>The W3C trace id: the gateway's server span's when tracing is on, else the client's traceparent's.</summary>
    public string? TraceId { get; init; }

    /// <summary>Set for AI calls: provider, models, tokens, time to first token.</summary>
    public AiCallSummary? Ai { get; init; }
}
