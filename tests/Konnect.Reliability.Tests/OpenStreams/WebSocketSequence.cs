using System.Net.WebSockets;
using System.Text;

namespace Konnect.Reliability.Tests.OpenStreams;

/// <summary>
/// A ClientWebSocket (HTTP/1.1 upgrade) to the echoing peer: "w0", "w1", ... go up, every 2 ms with at most 32
/// unanswered, and each must come back in order, so both directions are checked message by message.
/// </summary>
public sealed class WebSocketSequence(string path) : SequenceStream
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _window = new(32);
    private readonly CancellationTokenSource _stop = new();
    private Task _sending = Task.CompletedTask;
    private Task _receiving = Task.CompletedTask;

    public override string Kind => "WebSocket";

    public override async Task OpenAsync(Uri gateway)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.ConnectAsync(new UriBuilder(gateway) { Scheme = "ws", Path = path }.Uri, timeout.Token);
        _receiving = Task.Run(ReceiveAsync);
        _sending = Task.Run(SendAsync);
    }

    private static string Message(long n) => "w" + n;

    private async Task SendAsync()
    {
        try
        {
            for (var n = 0L; !_stop.IsCancellationRequested; n++)
            {
                await _window.WaitAsync(_stop.Token);
                await _socket.SendAsync(Encoding.UTF8.GetBytes(Message(n)), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                CountSent();
                await Task.Delay(2, _stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception ex) when (ex is WebSocketException or IOException) { Problem("send failed: " + ex.Message); }
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += received.Count;
                }
                while (!received.EndOfMessage);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    if (Received < Sent || !_stop.IsCancellationRequested) { Problem($"closed by the other side ({_socket.CloseStatus} {_socket.CloseStatusDescription})"); }
                    return;
                }
                Arrived(Encoding.UTF8.GetString(buffer, 0, length), Message);
                _window.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            Problem("receive failed: " + ex.Message);
        }
    }

    public override async Task FinishAsync()
    {
        await _stop.CancelAsync();
        await _sending;
        await DrainAsync(TimeSpan.FromSeconds(30));
        if (_socket.State != WebSocketState.Open) { Problem($"state {_socket.State} before the close handshake"); return; }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
        await _receiving.WaitAsync(TimeSpan.FromSeconds(30));
        if (_socket.CloseStatus != WebSocketCloseStatus.NormalClosure) { Problem($"ended with {_socket.CloseStatus}"); }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        _window.Dispose();
        _stop.Dispose();
    }
}
