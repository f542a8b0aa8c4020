using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>
/// Writes server-sent events to the client's response. Writes only buffer; <see cref="FlushAsync"/> sends what was
/// written. The relay flushes whenever it has used up the provider's bytes received so far, so an event reaches the
/// client when the provider's did and is never held back for a later one, while events that arrived together leave
/// in one write.
/// </summary>
internal sealed class SseWriter(HttpResponse response)
{
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private Utf8JsonWriter? _json;
    private bool _pending;

    public bool Started { get; private set; }

    /// <summary>An event whose data is UTF-8 text (a provider's own event passed through, or a marker such as [DONE]).</summary>
    public void Write(string? eventType, ReadOnlySpan<byte> data)
    {
        var writer = Begin(eventType);
        // A data field spanning lines (possible in a provider's raw event) is one "data:" line per line.
        while (true)
        {
            var end = data.IndexOf((byte)'\n');
            writer.Write(DataPrefix);
            writer.Write(end < 0 ? data : data[..end]);
            writer.Write("\n"u8);
            if (end < 0) { break; }
            data = data[(end + 1)..];
        }
        writer.Write("\n"u8);
    }

    /// <summary>An event whose data is a JSON object, written straight into the response (compact JSON is one line).</summary>
    public void Write(string? eventType, JsonNode data)
    {
        var writer = Begin(eventType);
        writer.Write(DataPrefix);
        if (_json is null) { _json = new Utf8JsonWriter(writer); }
        else { _json.Reset(writer); }
        data.WriteTo(_json);
        _json.Flush();
        writer.Write("\n\n"u8);
    }

    /// <summary>Sends what was written since the last flush, if anything.</summary>
    public ValueTask<FlushResult> FlushAsync(CancellationToken aborted)
    {
        if (!_pending) { return default; }
        _pending = false;
        return response.BodyWriter.FlushAsync(aborted);
    }

    private PipeWriter Begin(string? eventType)
    {
        if (!Started)
        {
            Started = true;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            // Proxies in front of Konnect (nginx) buffer event streams unless told not to.
            response.Headers["X-Accel-Buffering"] = "no";
        }
        _pending = true;
        var writer = response.BodyWriter;
        if (eventType is not null)
        {
            writer.Write(EventPrefix);
            Encoding.UTF8.GetBytes(eventType, writer);
            writer.Write("\n"u8);
        }
        return writer;
    }
}
