using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>
/// Writes server-sent events to the client and flushes each one: an event must reach the client when the provider's
/// did, never held back for the next.
/// </summary>
internal sealed class SseWriter(HttpResponse response)
{
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private bool _started;

    public bool Started => _started;

    public async Task WriteAsync(string? eventType, string data, CancellationToken aborted)
    {
        if (!_started)
        {
            _started = true;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            // Proxies in front of Konnect (nginx) buffer event streams unless told not to.
            response.Headers["X-Accel-Buffering"] = "no";
        }
        var writer = response.BodyWriter;
        if (eventType is not null)
        {
            writer.Write(EventPrefix);
            Encoding.UTF8.GetBytes(eventType, writer);
            writer.Write("\n"u8);
        }
        // A data field spanning lines (possible in a provider's raw event) is one "data:" line per line.
        foreach (var line in data.AsSpan().EnumerateLines())
        {
            writer.Write(DataPrefix);
            Encoding.UTF8.GetBytes(line, writer);
            writer.Write("\n"u8);
        }
        writer.Write("\n"u8);
        await writer.FlushAsync(aborted).ConfigureAwait(false);
    }
}
