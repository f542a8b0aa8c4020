using System.Text.Json;

namespace Konnect.Gateway.Observability.AccessLog;

/// <summary>
/// Writes an entry as one JSON object with <see cref="Utf8JsonWriter"/>: field by field, so the line holds exactly the
/// fields below and nothing a serializer might discover on the type later.
/// </summary>
internal static class AccessLogJson
{
    public static void Write(Utf8JsonWriter json, AccessLogEntry entry)
    {
        json.WriteStartObject();
        json.WriteString("time", entry.Time.UtcDateTime);
        json.WriteString("requestId", entry.RequestId);
        json.WriteString("client", entry.ClientAddress);
        json.WriteString("method", entry.Method);
        json.WriteString("host", entry.Host);
        json.WriteString("path", entry.Path);
        json.WriteNumber("status", entry.Status);
        json.WriteNumber("bytesSent", entry.BytesSent);
        json.WriteNumber("durationMs", Math.Round(entry.DurationMs, 3));
        if (entry.UpstreamMs is { } upstream) { json.WriteNumber("upstreamMs", Math.Round(upstream, 3)); }
        else { json.WriteNull("upstreamMs"); }
        json.WriteString("route", entry.Route);
        json.WriteString("backend", entry.Backend);
        json.WriteString("consumer", entry.Consumer);
        json.WriteString("problem", entry.Problem);
        if (entry.TraceId is not null) { json.WriteString("traceId", entry.TraceId); }
        if (entry.Ai is { } ai)
        {
            json.WriteStartObject("ai");
            json.WriteString("provider", ai.Provider);
            json.WriteString("model", ai.Model);
            json.WriteString("responseModel", ai.ResponseModel);
            if (ai.InputTokens is { } input) { json.WriteNumber("inputTokens", input); } else { json.WriteNull("inputTokens"); }
            if (ai.OutputTokens is { } output) { json.WriteNumber("outputTokens", output); } else { json.WriteNull("outputTokens"); }
            json.WriteBoolean("estimated", ai.Estimated);
            if (ai.TimeToFirstTokenMs is { } ttft) { json.WriteNumber("timeToFirstTokenMs", Math.Round(ttft, 3)); } else { json.WriteNull("timeToFirstTokenMs"); }
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }
}
