using System.Diagnostics;
using System.Diagnostics.Metrics;
using Konnect.Gateway.Resilience;
using Konnect.Model;
using Microsoft.AspNetCore.Http;
using Prometheus;
using Yarp.ReverseProxy;

namespace Konnect.Gateway.Observability.Metrics;

/// <summary>
/// The data plane's instruments: prometheus-net collectors in this gateway's own <see cref="CollectorRegistry"/>, never
/// the library's static default registry, so a process that runs several gateways (the tests do) gives each scrape its
/// own traffic only. Label values are bounded by configuration: route and backend names come from the model, unmatched
/// requests share <see cref="Unmatched"/>, methods outside the standard set are "OTHER", consumers only when enabled.
/// </summary>
/// <remarks>
/// Label names are declared in alphabetical order, the order /metrics has always written them in, so a scrape reads as
/// before. Series appear with their first measurement (SuppressInitialValue), as before.
/// </remarks>
public sealed class GatewayMetrics : IDisposable
{
    /// <summary>The route label of a request no rule matched (its namespace label is empty).</summary>
    public const string Unmatched = "unmatched";

    /// <summary>1 ms to 30 s: the fastest cached answers to the longest upstream timeouts worth telling apart.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly string[] StatusCodes = [.. Enumerable.Range(0, 600).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    // The names OpenTelemetry's Prometheus compatibility rules give exemplar labels, which Grafana links to traces by.
    private static readonly Exemplar.LabelKey TraceIdKey = Exemplar.Key("trace_id");
    private static readonly Exemplar.LabelKey SpanIdKey = Exemplar.Key("span_id");

    private readonly Counter _requests;
    private readonly Histogram _requestDuration;
    private readonly Histogram _upstreamDuration;
    private readonly Counter _authRejected;
    private readonly Counter _consumerRequests;
    private readonly Gauge _connections;
    private readonly Counter _accessLogDropped;
    private readonly Counter _mirrorCopies;
    private readonly Counter _deprecatedCalls;
    private readonly Counter _apiBytes;
    private readonly ObservedGauge[] _observed;
    private readonly MeterBridge? _bridge;
    private readonly bool _consumerMetrics;

    /// <param name="proxy">
    /// YARP's proxy state, read at scrape time only: the application builder creates this object (its meter bridge must
    /// listen before hosted services start) before YARP's pipeline exists, and resolving YARP's state that early hangs the start.
    /// </param>
    public GatewayMetrics(IMeterFactory meters, GatewayOptions options, Func<IProxyStateLookup> proxy, GatewayState state,
        CircuitBreakerRegistry? breakers = null)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Factory(Registry);
        var latency = new HistogramConfiguration { Buckets = LatencyBuckets, SuppressInitialValue = true };
        var counter = new CounterConfiguration { SuppressInitialValue = true };
        _requests = factory.CreateCounter("konnect_http_requests_total", "Requests served on the traffic port, by route, method and status code.",
            ["code", "method", "namespace", "route"], counter);
        _requestDuration = factory.CreateHistogram("konnect_http_request_duration_seconds", "Time from the request's arrival to the end of its response, by route.",
            ["namespace", "route"], latency);
        _upstreamDuration = factory.CreateHistogram("konnect_upstream_request_duration_seconds", "Time spent forwarding to the upstream and relaying its response, by route and backend.",
            ["backend", "namespace", "route"], latency);
        _authRejected = factory.CreateCounter("konnect_auth_rejected_total", "Requests refused by a policy with 401 or 403, by reason.", ["reason"], counter);
        _consumerRequests = factory.CreateCounter("konnect_consumer_requests_total", "Requests by authenticated consumer and status code (opt-in).",
            ["code", "consumer"], counter);
        _connections = factory.CreateGauge("konnect_open_connections", "Open client connections, by listener (traffic, tls, admin or portal).", ["listener"],
            new GaugeConfiguration { SuppressInitialValue = true });
        _accessLogDropped = factory.CreateCounter("konnect_access_log_dropped_total", "Access-log lines dropped because the writer could not keep up.", [], counter);
        _mirrorCopies = factory.CreateCounter("konnect_mirror_requests_total",
            "Mirror copies by outcome: sent (the mirror answered), failed (error or timeout), dropped (too many in flight), skipped (body too large or streamed).",
            ["outcome"], counter);
        // Always on: only deprecated and retired versions count, one series per consumer still calling one.
        _deprecatedCalls = factory.CreateCounter("konnect_deprecated_api_requests_total",
            "Requests to deprecated or retired API versions (spec.api), by consumer (empty when anonymous): who still calls them.",
            ["api", "consumer", "namespace", "route", "version"], counter);
        // Listed APIs only, with the portal's analytics on: the bytes the portal shows, for Grafana's longer history.
        _apiBytes = factory.CreateCounter("konnect_api_transferred_bytes_total",
            "Bytes received (in: the request's Content-Length) and sent (out) by calls to listed APIs (spec.api.visibility), with the portal's analytics on.",
            ["direction", "namespace", "route"], counter);
        _consumerMetrics = options.ConsumerMetrics;

        var readRuntime = RuntimeMetrics.Register(factory);
        _observed = [DestinationHealthGauge.Create(factory, proxy, state), .. breakers is null ? [] : (ObservedGauge[])[CircuitOpenGauge.Create(factory, breakers, state)]];
        // Only with metrics on: the bridge's listener is what costs, and with metrics off nothing is scraped.
        if (options.Metrics) { _bridge = new MeterBridge(Registry, meters); }

        // One callback, in this order: the registry runs its callbacks in no fixed order (the last added first, as it
        // happens), and the heap and resident-memory gauges must be read before 20,000 endpoint series are built for
        // this scrape, or they report the scrape's own garbage.
        Registry.AddBeforeCollectCallback(() =>
        {
            readRuntime();
            foreach (var gauge in _observed) { gauge.Observe(); }
            _bridge?.Observe();
        });
    }

    /// <summary>What /metrics serializes: this gateway's series, plus the process-wide "Konnect.*" meters bridged in.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>A factory for this registry's collectors: exemplars only where a caller passes one (never Activity.Current).</summary>
    internal static MetricFactory Factory(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        return factory;
    }

    /// <param name="span">The request's server span when tracing is on: a recorded one becomes the exemplar.</param>
    internal void RequestCompleted(string ns, string route, string method, int status, string? consumer, double seconds, Activity? span = null)
    {
        var code = (uint)status < StatusCodes.Length ? StatusCodes[status] : "other";
        ReadOnlySpan<string> requestLabels = [code, BoundedMethod(method), ns, route];
        ReadOnlySpan<string> routeLabels = [ns, route];
        if (span is { Recorded: true })
        {
            // An exemplar is used once: the counter gets its own copy.
            var exemplar = Exemplar.From(TraceIdKey.WithValue(span.TraceId.ToHexString()), SpanIdKey.WithValue(span.SpanId.ToHexString()));
            _requests.WithLabels(requestLabels).Inc(exemplar.Clone());
            _requestDuration.WithLabels(routeLabels).Observe(seconds, exemplar);
        }
        else
        {
            _requests.WithLabels(requestLabels).Inc(Exemplar.None);
            _requestDuration.WithLabels(routeLabels).Observe(seconds, Exemplar.None);
        }

        if (_consumerMetrics && consumer is not null)
        {
            _consumerRequests.WithLabels([code, consumer]).Inc(Exemplar.None);
        }
    }

    internal void DeprecatedApiCalled(string ns, string route, ApiModel api, string? consumer) =>
        _deprecatedCalls.WithLabels([api.Name, consumer ?? "", ns, route, api.Version]).Inc(Exemplar.None);

    internal void ApiBytes(string ns, string route, long bytesIn, long bytesOut)
    {
        if (bytesIn > 0) { _apiBytes.WithLabels(["in", ns, route]).Inc(bytesIn, Exemplar.None); }
        if (bytesOut > 0) { _apiBytes.WithLabels(["out", ns, route]).Inc(bytesOut, Exemplar.None); }
    }

    internal void UpstreamCompleted(string ns, string route, string backend, double seconds) =>
        _upstreamDuration.WithLabels([backend, ns, route]).Observe(seconds, Exemplar.None);

    internal void AuthRejected(string reason) => _authRejected.WithLabels([reason]).Inc(Exemplar.None);

    internal void ConnectionOpened(string listener) => _connections.WithLabels([listener]).Inc();

    internal void ConnectionClosed(string listener) => _connections.WithLabels([listener]).Dec();

    internal void AccessLogDropped() => _accessLogDropped.Inc(Exemplar.None);

    /// <param name="outcome">sent, failed, dropped or skipped.</param>
    internal void MirrorCopy(string outcome, int copies = 1) => _mirrorCopies.WithLabels([outcome]).Inc(copies, Exemplar.None);

    /// <summary>
    /// After each scrape: series read at scrape time (endpoint health, breakers, observable instruments) are dropped, so
    /// one no longer reported vanishes from the next scrape and 20,000 endpoints' series are not held between scrapes.
    /// </summary>
    internal void ScrapeCompleted()
    {
        foreach (var gauge in _observed) { gauge.Clear(); }
        _bridge?.ScrapeCompleted();
    }

    /// <summary>A client chooses the method: anything but the standard ones shares one label value.</summary>
    internal static string BoundedMethod(string method) =>
        HttpMethods.GetCanonicalizedValue(method) switch
        {
            var m when ReferenceEquals(m, HttpMethods.Get) || ReferenceEquals(m, HttpMethods.Head) || ReferenceEquals(m, HttpMethods.Post)
                || ReferenceEquals(m, HttpMethods.Put) || ReferenceEquals(m, HttpMethods.Delete) || ReferenceEquals(m, HttpMethods.Patch)
                || ReferenceEquals(m, HttpMethods.Options) || ReferenceEquals(m, HttpMethods.Trace) || ReferenceEquals(m, HttpMethods.Connect) => m,
            _ => "OTHER",
        };

    public void Dispose() => _bridge?.Dispose();
}
