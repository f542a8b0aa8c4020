using Konnect.Gateway.Resilience;
using Konnect.Gateway.Tls;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Yarp;

/// <summary>
/// The one client factory YARP gets. YARP keeps a single <see cref="IForwarderHttpClientFactory"/> (and
/// ConfigureHttpClient replaces it too), so every feature that shapes the upstream client composes here rather than
/// registering its own: upstream TLS trust, trace propagation, retries and circuit breakers. A cluster keeps its
/// client (connections, breaker state, retry budget) while none of their settings changed.
/// </summary>
internal sealed class KonnectForwarderHttpClientFactory(
    ILogger<ForwarderHttpClientFactory> logger, TimeProvider time, CircuitBreakerRegistry breakers, GatewayOptions options)
    : ForwarderHttpClientFactory(logger)
{
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
        ResilientForwarderClient.Wrap(context, base.WrapHandler(context, handler), time, breakers);
}
