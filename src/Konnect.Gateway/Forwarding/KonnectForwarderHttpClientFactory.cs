using Konnect.Gateway.Resilience;
using Konnect.Gateway.Tls;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// The one client factory YARP gets. YARP keeps a single <see cref="IForwarderHttpClientFactory"/> (and
/// ConfigureHttpClient replaces it too), so every feature that shapes the upstream client composes here rather than
/// registering its own: upstream TLS trust, trace propagation, retries and circuit breakers. A cluster keeps its
/// client (connections, breaker state, retry budget) while none of their settings changed. Clusters with plain client
/// settings send over a connection pool shared per configuration (<see cref="SharedUpstreamHandlers"/>).
/// </summary>
internal sealed class KonnectForwarderHttpClientFactory(
    ILogger<ForwarderHttpClientFactory> logger, TimeProvider time, CircuitBreakerRegistry breakers, RetryTargets retryTargets, GatewayOptions options)
    : ForwarderHttpClientFactory(logger), IForwarderHttpClientFactory, IDisposable
{
    private readonly SharedUpstreamHandlers _shared = new();

    // The base's CreateClient is not virtual, so the interface is implemented again here: YARP calls this one, and the
    // base still makes (or keeps) every client that does not share a handler.
    HttpMessageInvoker IForwarderHttpClientFactory.CreateClient(ForwarderHttpClientContext context)
    {
        if (CanReuseOldClient(context) || !SharedUpstreamHandlers.CanShare(context)
            || _shared.GetOrCreate(context, () => NewSharedHandler(context)) is not { } shared)
        {
            return CreateClient(context);
        }

        // Retries and breakers stay per cluster, above the shared pool; dropping the cluster leaves the pool open.
        return new HttpMessageInvoker(WrapHandler(context, shared), disposeHandler: false);
    }

    private SocketsHttpHandler NewSharedHandler(ForwarderHttpClientContext context)
    {
        var handler = SharedUpstreamHandlers.NewHandler();
        ConfigureHandler(context, handler);
        return handler;
    }

    protected override bool CanReuseOldClient(ForwarderHttpClientContext context) =>
        base.CanReuseOldClient(context) && UpstreamTlsClient.CanReuse(context) && ResilientForwarderClient.CanReuse(context);

    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        // The gateway propagates trace context itself (TraceContextTransform). HttpClient's own propagation would
        // start an unexported child activity and send its id, or, tracing off, replace the client's traceparent.
        handler.ActivityHeadersPropagator = null;
        handler.PooledConnectionIdleTimeout = options.UpstreamIdleTimeout;
        UpstreamTlsClient.Configure(context, handler);
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        ResilientForwarderClient.Wrap(context, base.WrapHandler(context, handler), time, breakers, retryTargets);

    public void Dispose() => _shared.Dispose();
}
