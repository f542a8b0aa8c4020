namespace Konnect.Gateway.Tls;

/// <summary>
/// The port redirects send clients to: the configured one (a Service usually maps 443 to the pods' 8443), else the
/// HTTPS listener's bound port, else 443.
/// </summary>
internal sealed class HttpsPort(GatewayOptions options, GatewayListeners listeners)
{
    public int Port => options.HttpsRedirectPort ?? (listeners.TlsEndPoints is [var first, ..] ? first.Port : 443);
}
