using System.Globalization;
using System.Net.WebSockets;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Konnect.Reliability.Tests.OpenStreams;

/// <summary>
/// The Kestrel upstream of the WebSocket and the SSE stream: "/ws" echoes every text message back as it came, and
/// "/events" is a long server-sent-events response of numbered events (id n, data "sse-n") every few milliseconds
/// until <see cref="EndEvents"/>, then an "end" event carrying how many it sent, then the end of the response.
/// </summary>
public sealed class StreamPeers : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _eventsSent;

    private StreamPeers(WebApplication app) => _app = app;

    public string Url => $"http://127.0.0.1:{_app.Port()}";

    /// <summary>Events the SSE response has written and flushed so far.</summary>
    public long EventsSent => Interlocked.Read(ref _eventsSent);

    /// <summary>Ends the SSE response after the event being written.</summary>
    public void EndEvents() => _end.TrySetResult();

    public static async Task<StreamPeers> StartAsync()
    {
        var app = LoopbackApp.Create();
        var peers = new StreamPeers(app);
        app.UseWebSockets();
        app.Map("/ws", peers.EchoAsync);
        app.Map("/events", peers.EventsAsync);
        await app.StartAsync();
        return peers;
    }

    private async Task EchoAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest) { context.Response.StatusCode = 400; return; }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer.AsMemory(length), context.RequestAborted);
                length += received.Count;
            }
            while (!received.EndOfMessage && received.MessageType != WebSocketMessageType.Close);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, context.RequestAborted);
        }
    }

    private async Task EventsAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        var aborted = context.RequestAborted;
        for (var n = 0L; !_end.Task.IsCompleted; n++)
        {
            await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"id: {n}\ndata: sse-{n}\n\n"), aborted);
            await context.Response.Body.FlushAsync(aborted);
            Interlocked.Increment(ref _eventsSent);
            await Task.WhenAny(_end.Task, Task.Delay(2, aborted));
            aborted.ThrowIfCancellationRequested();
        }
        await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"event: end\ndata: {EventsSent}\n\n"), aborted);
    }

    public async ValueTask DisposeAsync()
    {
        _end.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
