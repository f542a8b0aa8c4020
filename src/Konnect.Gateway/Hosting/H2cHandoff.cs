using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Konnect.Gateway.Hosting;

/// <summary>
/// Lets one cleartext port serve HTTP/1.1 and HTTP/2 with prior knowledge. Kestrel picks HTTP/1.1 on a cleartext
/// Http1AndHttp2 endpoint (without ALPN it does not look at the bytes), so the traffic port runs HTTP/1.1 and
/// <see cref="H2cPrefaceSniffer"/> hands each connection that opens with the HTTP/2 preface to this in-process
/// "transport", which Kestrel binds as a second, HTTP/2-only endpoint. The socket, its addresses and its features stay
/// the same, so IP access rules and the admin-port check see the real client.
/// </summary>
public sealed class H2cHandoff : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    private readonly Channel<HandedOffConnection> _pending = Channel.CreateUnbounded<HandedOffConnection>(new() { SingleReader = false });

    public bool CanBind(EndPoint endpoint) => endpoint is H2cHandoffEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new(new Listener(this, endpoint));

    /// <summary>
    /// Queues <paramref name="connection"/> for the HTTP/2 endpoint and completes when that endpoint is done with it
    /// (or, if it never took it, when the client goes away), so the caller's connection outlives the HTTP/2 session.
    /// </summary>
    internal async Task HandOverAsync(ConnectionContext connection)
    {
        var handed = new HandedOffConnection(connection);
        if (!_pending.Writer.TryWrite(handed))
        {
            connection.Abort();
            return;
        }

        // A connection nobody accepted (the server is stopping) must not pin the caller forever.
        await using var registration = connection.ConnectionClosed.Register(static state => ((HandedOffConnection)state!).Abandon(), handed);
        await handed.Completion;
    }

    private sealed class Listener(H2cHandoff owner, EndPoint endpoint) : IConnectionListener
    {
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
            try
            {
                while (true)
                {
                    var next = await owner._pending.Reader.ReadAsync(linked.Token);
                    if (next.TryClaim())
                    {
                        return next;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Kestrel reads null as "this listener is closed".
                return null;
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound.Cancel();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _unbound.Cancel();
            _unbound.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The address of the in-process HTTP/2 endpoint; it never appears on the network.</summary>
public sealed class H2cHandoffEndPoint : EndPoint
{
    // Kestrel logs "Now listening on: http://" + this at startup.
    public override string ToString() => "konnect-h2c-handoff (in-process; serves the HTTP/2 prior-knowledge connections of the traffic ports)";
}

/// <summary>
/// The sniffed connection as the HTTP/2 endpoint sees it: the same transport and addresses. Features set by the
/// second endpoint land in a layer of their own, so the first endpoint's bookkeeping stays intact.
/// </summary>
internal sealed class HandedOffConnection(ConnectionContext inner) : ConnectionContext
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state; // 0 queued, 1 claimed by the HTTP/2 endpoint, 2 abandoned

    public Task Completion => _completion.Task;

    public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }

    public override IFeatureCollection Features { get; } = new FeatureCollection(inner.Features);

    public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }

    public override System.IO.Pipelines.IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }

    public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

    public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }

    public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }

    public bool TryClaim() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

    public void Abandon()
    {
        if (Interlocked.CompareExchange(ref _state, 2, 0) == 0)
        {
            _completion.TrySetResult();
        }
    }

    public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

    public override void Abort() => inner.Abort();

    public override ValueTask DisposeAsync()
    {
        // The socket belongs to the first endpoint, which closes it once the HTTP/2 session is over.
        _completion.TrySetResult();
        return ValueTask.CompletedTask;
    }
}
