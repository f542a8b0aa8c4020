using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy;

namespace Konnect.Gateway.Metrics;

/// <summary>
/// The data plane's instruments, on a meter of this application's <see cref="IMeterFactory"/>. Label values are
/// bounded by configuration: route and backend names come from the model, unmatched requests share
/// <see cref="Unmatched"/>, methods outside the standard set are "OTHER", consumers only when enabled.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Konnect.Gateway";

    /// <summary>The route label of a request no rule matched (its namespace label is empty).</summary>
    public const string Unmatched = "unmatched";

    /// <summary>1 ms to 30 s: the fastest cached answers to the longest upstream timeouts worth telling apart.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private static readonly string[] StatusCodes = [.. Enumerable.Range(0, 600).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<double> _upstreamDuration;
    private readonly Counter<long> _authRejected;
    private readonly Counter<long> _consumerRequests;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _accessLogDropped;
    private readonly bool _consumerMetrics;

    public GatewayMetrics(IMeterFactory factory, GatewayOptions options, IProxyStateLookup proxy, GatewayState state,
        Resilience.CircuitBreakerRegistry? breakers = null)
    {
        var meter = factory.Create(MeterName);
        var latency = new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets };
        _requests = meter.CreateCounter<long>("konnect_http_requests_total", description: "Requests served on the traffic port, by route, method and status code.");
        _requestDuration = meter.CreateHistogram("konnect_http_request_duration_seconds", unit: "s",
            description: "Time from the request's arrival to the end of its response, by route.", advice: latency);
        _upstreamDuration = meter.CreateHistogram("konnect_upstream_request_duration_seconds", unit: "s",
            description: "Time spent forwarding to the upstream and relaying its response, by route and backend.", advice: latency);
        _authRejected = meter.CreateCounter<long>("konnect_auth_rejected_total", description: "Requests refused by a policy with 401 or 403, by reason.");
        _consumerRequests = meter.CreateCounter<long>("konnect_consumer_requests_total", description: "Requests by authenticated consumer and status code (opt-in).");
        _connections = meter.CreateUpDownCounter<long>("konnect_open_connections", description: "Open client connections, by listener (traffic or admin).");
        _accessLogDropped = meter.CreateCounter<long>("konnect_access_log_dropped_total", description: "Access-log lines dropped because the writer could not keep up.");
        _consumerMetrics = options.ConsumerMetrics;
        RuntimeMetrics.Register(meter);
        DestinationHealthGauge.Register(meter, proxy, state);
        if (breakers is not null) { CircuitOpenGauge.Register(meter, breakers, state); }
    }

    internal void RequestCompleted(string ns, string route, string method, int status, string? consumer, double seconds)
    {
        var code = (uint)status < StatusCodes.Length ? StatusCodes[status] : "other";
        _requests.Add(1, new TagList { { "namespace", ns }, { "route", route }, { "method", BoundedMethod(method) }, { "code", code } });
        _requestDuration.Record(seconds, new TagList { { "namespace", ns }, { "route", route } });
        if (_consumerMetrics && consumer is not null)
        {
            _consumerRequests.Add(1, new TagList { { "consumer", consumer }, { "code", code } });
        }
    }

    internal void UpstreamCompleted(string ns, string route, string backend, double seconds) =>
        _upstreamDuration.Record(seconds, new TagList { { "namespace", ns }, { "route", route }, { "backend", backend } });

    internal void AuthRejected(string reason) => _authRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void ConnectionOpened(string listener) => _connections.Add(1, new KeyValuePair<string, object?>("listener", listener));

    internal void ConnectionClosed(string listener) => _connections.Add(-1, new KeyValuePair<string, object?>("listener", listener));

    internal void AccessLogDropped() => _accessLogDropped.Add(1);

    /// <summary>A client chooses the method: anything but the standard ones shares one label value.</summary>
    internal static string BoundedMethod(string method) =>
        HttpMethods.GetCanonicalizedValue(method) switch
        {
            var m when ReferenceEquals(m, HttpMethods.Get) || ReferenceEquals(m, HttpMethods.Head) || ReferenceEquals(m, HttpMethods.Post)
                || ReferenceEquals(m, HttpMethods.Put) || ReferenceEquals(m, HttpMethods.Delete) || ReferenceEquals(m, HttpMethods.Patch)
                || ReferenceEquals(m, HttpMethods.Options) || ReferenceEquals(m, HttpMethods.Trace) || ReferenceEquals(m, HttpMethods.Connect) => m,
            _ => "OTHER",
        };
}
