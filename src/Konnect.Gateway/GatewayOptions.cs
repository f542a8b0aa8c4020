namespace Konnect.Gateway;

/// <summary>Where the gateway listens and how long it waits for the proxy to take a new configuration.</summary>
public sealed class GatewayOptions
{
    /// <summary>Semicolon-separated http URLs for proxied traffic, e.g. "http://0.0.0.0:8080". Port 0 picks a free port.</summary>
    public string TrafficUrls { get; set; } = "http://0.0.0.0:8080";

    /// <summary>Semicolon-separated http URLs for /healthz, /readyz and /config; never shares a port with traffic.</summary>
    public string AdminUrls { get; set; } = "http://0.0.0.0:9090";

    /// <summary>How long a publish waits for YARP to report the new snapshot as applied before it fails.</summary>
    public TimeSpan ApplyTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
