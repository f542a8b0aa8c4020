using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

using Konnect.Testing;
namespace Konnect.Gateway.Tests.Protocols;

/// <summary>
/// A real Kestrel upstream for long-lived exchanges: paths ending in "/ws" echo WebSocket text messages, "/echo"
/// answers the path it received; "/stream"
/// (chunked text) and "/sse" (server-sent events) send a first part, then wait for <see cref="ReleaseRest"/> before
/// the second, so a test can prove the first part reached the client while the upstream was still busy.
/// </summary>
internal sealed class StreamingBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _rest = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private StreamingBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public string Url(string basePath = "") => $"http://127.0.0.1:{Port}{basePath}";

    public void ReleaseRest() => _rest.TrySetResult();

    public static async Task<StreamingBackend> StartAsync()
    {
        var app = LoopbackApp.Create();
        var backend = new StreamingBackend(app);
        app.UseWebSockets();
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Port = app.Port();
        return backend;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.EndsWith("/ws", StringComparison.Ordinal) && context.WebSockets.IsWebSocketRequest)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await EchoAsync(socket, path, context.RequestAborted);
            return;
        }

        if (path.EndsWith("/echo", StringComparison.Ordinal))
        {
            await context.Response.WriteAsync(path, context.RequestAborted);
            return;
        }

        var sse = path.EndsWith("/sse", StringComparison.Ordinal);
        context.Response.ContentType = sse ? "text/event-stream" : "text/plain";
        await context.Response.WriteAsync(sse ? "data: one\n\n" : "first\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        await _rest.Task.WaitAsync(context.RequestAborted);
        await context.Response.WriteAsync(sse ? "data: two\n\n" : "second\n", context.RequestAborted);
    }

    private static async Task EchoAsync(WebSocket socket, string path, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cancellationToken);
                return;
            }

            // The path it was reached on goes back too, so a test sees where the gateway sent the upgrade.
            var text = System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count);
            var reply = System.Text.Encoding.UTF8.GetBytes($"{path} {text}");
            await socket.SendAsync(reply, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _rest.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
