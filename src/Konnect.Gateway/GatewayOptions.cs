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

    /// <summary>
    /// Semicolon-separated http URLs for the developer portal (its page and JSON catalogue); empty (the default) for no
    /// portal. Never shares a port with traffic or admin.
    /// </summary>
    public string PortalUrls { get; set; } = "";

    /// <summary>
    /// Counts calls to listed APIs per minute for the portal's analytics (only with the portal on). Off: nothing is
    /// recorded and the portal shows no analytics.
    /// </summary>
    public bool Analytics { get; set; } = true;

    /// <summary>The most memory call analytics may hold, in bytes (64 MiB by default); past it the oldest minutes go first.</summary>
    public long AnalyticsMemoryLimit { get; set; } = 64L * 1024 * 1024;

    /// <summary>Who sees consumers' names in the portal's analytics (top consumers, the consumer filter).</summary>
    public PortalConsumerNames PortalConsumerNames { get; set; } = PortalConsumerNames.Namespace;

    /// <summary>Whether calls are recorded for the portal's analytics: the portal is on and analytics are not off.</summary>
    public bool RecordsAnalytics => Analytics && !string.IsNullOrWhiteSpace(PortalUrls);

    /// <summary>
    /// Least time between two JWKS fetches of one URI triggered by an unknown kid or a failed fetch, so forged kids
    /// cannot make the gateway hammer an identity provider.
    /// </summary>
    public TimeSpan JwksMinRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How old cached JWKS keys may get before the next request refreshes them.</summary>
    public TimeSpan JwksRefreshInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The Redis that cluster-scoped rate limits share; null when none is configured (such limits then follow their failurePolicy).</summary>
    public Konnect.Gateway.Redis.RedisOptions? Redis { get; set; }

    /// <summary>How long one JWKS fetch may take; a request waiting for the first keys waits at most this long.</summary>
    public TimeSpan JwksFetchTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Writes one JSON line per traffic request to stdout (the access log). On by default.</summary>
    public bool AccessLog { get; set; } = true;

    /// <summary>The share of requests the access log records, from 0 to 1 (1: every request).</summary>
    public double AccessLogSampleRatio { get; set; } = 1.0;

    /// <summary>
    /// Records request metrics and serves them on /metrics. Off: no meter listener, no per-request metrics work, and
    /// /metrics answers 404 saying so (the access log and tracing still work on their own switches).
    /// </summary>
    public bool Metrics { get; set; } = true;

    /// <summary>
    /// Adds konnect_consumer_requests_total{consumer,code}. Off by default: one series per consumer and code, and
    /// consumers can be many.
    /// </summary>
    public bool ConsumerMetrics { get; set; }

    /// <summary>
    /// Bytes all cache policies together may hold (bodies plus an estimate for headers); the least recently used
    /// answers are evicted beyond it. 64 MiB by default.
    /// </summary>
    public long CacheSizeLimit { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Where OTLP/HTTP trace exports go, the full URL (e.g. "http://collector:4318/v1/traces"). Null: the exporter reads
    /// OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and tracing is off when neither is set.
    /// </summary>
    public Uri? OtlpTracesEndpoint { get; set; }

    /// <summary>
    /// How long an idle keep-alive connection to an upstream stays pooled; 15 s by default (.NET's own default is a
    /// minute). In front of thousands of destinations the gateway would otherwise hold a socket and its buffers for
    /// every destination used in the last minute.
    /// </summary>
    public TimeSpan UpstreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Which forwarder sends requests upstream. <see cref="ForwarderKind.Konnect"/> (the default) uses Konnect's own
    /// HTTP/1.1 forwarder for plain-HTTP upstreams and leaves the rest (TLS, h2c, upgrades, header or body edits,
    /// mirrors, retries, circuit breakers, tracing) to YARP; <see cref="ForwarderKind.Yarp"/> sends everything through
    /// YARP's.
    /// </summary>
    public ForwarderKind Forwarder { get; set; } = ForwarderKind.Konnect;

    /// <summary>What a client may send and how slowly before the gateway refuses it or closes its connection.</summary>
    public ClientLimits ClientLimits { get; set; } = new();
}

/// <summary>
/// Kestrel's limits on what clients send, set in one place (each default is Kestrel's own). A request beyond a size
/// limit is refused and never reaches an upstream whole; a client beyond a time limit loses its connection. The sizes
/// of the request line (8 KiB: 414) and of the header section (32 KiB, 100 fields: 431) are Kestrel's, not settable.
/// </summary>
public sealed class ClientLimits
{
    /// <summary>
    /// The largest request body accepted, in bytes (`konnect run --max-request-body-size`); null for no limit. A larger
    /// Content-Length is answered 413 before the request goes upstream; a chunked body that grows past it is cut off
    /// (413 when the answer has not started, else the connection is closed).
    /// </summary>
    public long? MaxRequestBodySize { get; set; } = 30_000_000;

    /// <summary>How long a client may take to send a request's whole header section (then 408 and a close).</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a keep-alive connection may sit idle between requests before the gateway closes it.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    /// <summary>
    /// The slowest a request body may arrive, in bytes per second, once <see cref="MinRequestBodyDataRateGrace"/> has
    /// passed; slower, the request fails and the connection is closed (slowloris). 0 for no minimum.
    /// </summary>
    public double MinRequestBodyDataRate { get; set; } = 240;

    /// <summary>How long a request body may arrive more slowly than <see cref="MinRequestBodyDataRate"/> at its start.</summary>
    public TimeSpan MinRequestBodyDataRateGrace { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>See <see cref="GatewayOptions.PortalConsumerNames"/>.</summary>
public enum PortalConsumerNames
{
    /// <summary>Only viewers signed in as a consumer of the API's namespace: a tenant does not see another's callers.</summary>
    Namespace,

    /// <summary>Every portal viewer (a portal for one organisation's own teams).</summary>
    Everyone,
}

/// <summary>See <see cref="GatewayOptions.Forwarder"/>.</summary>
public enum ForwarderKind
{
    Konnect,
    Yarp,
}
