namespace Konnect.Gateway;

/// <summary>Where the gateway listens and how long it waits for the proxy to take a new configuration.</summary>
public sealed class GatewayOptions
{
    /// <summary>Semicolon-separated http URLs for proxied traffic, e.g. "http://0.0.0.0:8080". Port 0 picks a free port.</summary>
    public string TrafficUrls { get; set; } = "http://0.0.0.0:8080";

    /// <summary>
    /// Semicolon-separated https URLs for TLS traffic, e.g. "https://0.0.0.0:8443"; empty for no HTTPS listener.
    /// Certificates come from the applied model, chosen per connection by SNI.
    /// </summary>
    public string TlsUrls { get; set; } = "";

    /// <summary>The port in https redirects (spec.tls.redirect); default the HTTPS listener's own port.</summary>
    public int? HttpsRedirectPort { get; set; }

    /// <summary>Semicolon-separated http URLs for /healthz, /readyz and /config; never shares a port with traffic.</summary>
    public string AdminUrls { get; set; } = "http://0.0.0.0:9090";

    /// <summary>How long a publish waits for YARP to report the new snapshot as applied before it fails.</summary>
    public TimeSpan ApplyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Least time between two JWKS fetches of one URI triggered by an unknown kid or a failed fetch, so forged kids
    /// cannot make the gateway hammer an identity provider.
    /// </summary>
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How old cached JWKS keys may get before the next request refreshes them.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long one JWKS fetch may take; a request waiting for the first keys waits at most this long.</summary>
    public TimeSpan JwksFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
