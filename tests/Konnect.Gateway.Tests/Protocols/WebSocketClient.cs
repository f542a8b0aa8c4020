using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>A real ClientWebSocket talking text through the gateway, over HTTP/1.1 upgrade or HTTP/2 extended CONNECT.</summary>
internal sealed class WebSocketClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly HttpMessageInvoker? _invoker;

    private WebSocketClient(bool http2)
    {
        if (http2)
        {
            _socket.Options.HttpVersion = HttpVersion.Version20;
            _socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
            _invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false });
        }
    }

    public WebSocketState State => _socket.State;

    public static async Task<WebSocketClient> ConnectAsync(Uri gateway, string path, bool http2 = false)
    {
        var client = new WebSocketClient(http2);
        var uri = new UriBuilder(gateway) { Scheme = "ws", Path = path }.Uri;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await client._socket.ConnectAsync(uri, client._invoker, timeout.Token);
        return client;
    }

    /// <summary>Sends one text message and returns the next text message received.</summary>
    public async Task<string> SendAsync(string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        var buffer = new byte[4096];
        var received = await _socket.ReceiveAsync(buffer, timeout.Token);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    public async Task CloseAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            await CloseAsync();
        }

        _socket.Dispose();
        _invoker?.Dispose();
    }
}
