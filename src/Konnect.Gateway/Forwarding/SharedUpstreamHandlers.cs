using System.Net;
using Konnect.Gateway.Tls;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// One <see cref="SocketsHttpHandler"/> (one connection pool) per distinct client configuration, shared by every
/// cluster with that configuration. Konnect makes a cluster per rule, and a handler per cluster kept an idle
/// connection per rule to the same few upstream addresses (10,000 at 10,000 routes); a shared handler pools by
/// upstream address (scheme, host, port, TLS name), as nginx and Envoy do. Only clusters whose handler is a pure
/// function of their <see cref="HttpClientConfig"/> share: a CA bundle or client certificate (cluster metadata) and a
/// proxy are per-cluster handler state, and a connection verified against one rule's CA must never serve another rule.
/// </summary>
internal sealed class SharedUpstreamHandlers : IDisposable
{
    /// <summary>
    /// The translator only produces a few client configurations (today: the default one and insecureSkipVerify), so
    /// the map stays tiny; the cap keeps a future per-rule setting from turning it into one handler per rule that is
    /// never released. Past it, clusters fall back to their own handlers, which go away with the cluster.
    /// </summary>
    public const int MaxConfigurations = 64;

    private readonly Dictionary<HttpClientConfig, SocketsHttpHandler> _handlers = [];
    private readonly Lock _lock = new();
    private bool _disposed;

    public static bool CanShare(ForwarderHttpClientContext context) =>
        context.NewConfig is { WebProxy: null } && !UpstreamTlsClient.NeedsOwnHandler(context.NewMetadata);

    /// <summary>
    /// The handler shared by clusters configured like <paramref name="context"/>'s, made by <paramref name="create"/>
    /// for the first of them; null when the cap is reached (or the gateway is shutting down).
    /// </summary>
    public SocketsHttpHandler? GetOrCreate(ForwarderHttpClientContext context, Func<SocketsHttpHandler> create)
    {
        lock (_lock)
        {
            if (_disposed) { return null; }
            if (_handlers.TryGetValue(context.NewConfig, out var handler)) { return handler; }
            if (_handlers.Count >= MaxConfigurations) { return null; }
            handler = create();
            _handlers.Add(context.NewConfig, handler);
            return handler;
        }
    }

    /// <summary>
    /// A handler with the settings YARP's <see cref="ForwarderHttpClientFactory"/> gives its own before
    /// ConfigureHandler (Yarp.ReverseProxy 2.3): a proxy forwards redirects, cookies and compressed bodies untouched.
    /// </summary>
    public static SocketsHttpHandler NewHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
        ConnectTimeout = TimeSpan.FromSeconds(15),
    };

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var handler in _handlers.Values) { handler.Dispose(); }
            _handlers.Clear();
        }
    }
}
