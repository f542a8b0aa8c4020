using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// How a destination is chosen. Backend weights choose the backend; the algorithm chooses the endpoint within it.
/// Names are strings (not an enum) so that a YARP policy name Konnect refuses (HashCookie) gets a reason, not a decode error.
/// </summary>
public sealed record LoadBalancingPolicy
{
    public const string AlgorithmPattern = "^[A-Za-z]+$";

    [Description("RoundRobin, LeastRequests, PowerOfTwoChoices (the default), Random or First (always the available endpoint whose address sorts first, so all traffic goes to one endpoint until it fails). With unequal backend weights the weights pick the backend and the algorithm picks the endpoint within it.")]
    [RegularExpression(AlgorithmPattern), MaxLength(32)]
    public string? Algorithm { get; set; }

    [Description("Session affinity: requests carrying the affinity key go to the same endpoint while it stays healthy.")]
    public AffinityPolicy? Affinity { get; set; }
}

/// <summary>Exactly one of cookie and header. The key is the destination encrypted with the gateway's data-protection keys.</summary>
public sealed record AffinityPolicy
{
    [Description("Sticky by a cookie the gateway sets on the first response.")]
    public AffinityCookie? Cookie { get; set; }

    [Description("Sticky by a header the gateway sets on the first response and the client sends back.")]
    public AffinityHeader? Header { get; set; }
}

public sealed record AffinityCookie
{
    [Description("The cookie name. Defaults to .Konnect.Affinity.")]
    [RegularExpression("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"), MaxLength(64)]
    public string? Name { get; set; }

    [Description("How long the cookie lives, e.g. 1h. Unset makes it a session cookie.")]
    [RegularExpression(Duration.Pattern)]
    public string? Ttl { get; set; }
}

public sealed record AffinityHeader
{
    [Description("The header name, e.g. x-konnect-affinity.")]
    [Required, RegularExpression(IpAccessPolicy.HeaderNamePattern), MaxLength(64)]
    public string Name { get; set; } = "";
}

/// <summary>Destinations are taken out of rotation by probes (active) or by failing real requests (passive).</summary>
public sealed record HealthCheckPolicy
{
    [Description("Probes each endpoint on a path; failing endpoints receive no traffic until they pass again.")]
    public ActiveHealthCheck? Active { get; set; }

    [Description("Ejects an endpoint after consecutive failed requests (connect failures, timeouts, 5xx) and reinstates it after reactivationPeriod.")]
    public PassiveHealthCheck? Passive { get; set; }
}

public sealed record ActiveHealthCheck
{
    [Description("The probe path, appended to each endpoint's address. A 2xx answer passes.")]
    [Required, RegularExpression("^/[^\\s?#]*$"), MaxLength(256)]
    public string Path { get; set; } = "";

    [Description("Time between probes. Defaults to 10s; at least 1s.")]
    [DefaultValue("10s"), RegularExpression(Duration.Pattern)]
    public string? Interval { get; set; }

    [Description("How long a probe may take. Defaults to 5s; at most the interval.")]
    [DefaultValue("5s"), RegularExpression(Duration.Pattern)]
    public string? Timeout { get; set; }

    [Description("Consecutive passing probes that bring an unhealthy endpoint back. Defaults to 1.")]
    [DefaultValue(1), Range(1, 100)]
    public int? HealthyThreshold { get; set; }

    [Description("Consecutive failing probes that take an endpoint out. Defaults to 2.")]
    [DefaultValue(2), Range(1, 100)]
    public int? UnhealthyThreshold { get; set; }
}

public sealed record PassiveHealthCheck
{
    [Description("Consecutive failed requests that eject an endpoint. Defaults to 5.")]
    [DefaultValue(5), Range(1, 1000)]
    public int? ConsecutiveFailures { get; set; }

    [Description("How long an ejected endpoint stays out before it gets traffic again. Defaults to 30s.")]
    [DefaultValue("30s"), RegularExpression(Duration.Pattern)]
    public string? ReactivationPeriod { get; set; }
}

/// <summary>Retries of failed upstream attempts, bounded by a budget so that retries never multiply load.</summary>
public sealed record RetryPolicy
{
    [Description("Total attempts including the first, 2 to 10. Each retry goes to an endpoint the request has not tried yet while one is available.")]
    [Required, Range(2, 10)]
    public int Attempts { get; set; }

    [Description("What is retried: connect-failure (the upstream refused or reset before answering), timeout (perTryTimeout elapsed), or a 5xx status such as 502, 503, 504. Defaults to connect-failure, 502, 503, 504.")]
    [MaxLength(16), RegularExpression("^(connect-failure|timeout|5[0-9][0-9])$")]
    public List<string>? On { get; set; }

    [Description("How long one attempt may wait for response headers, e.g. 2s. The rule's timeout still bounds the whole request.")]
    [RegularExpression(Duration.Pattern)]
    public string? PerTryTimeout { get; set; }

    [Description("Methods that may be retried. Defaults to the idempotent ones: GET, HEAD, OPTIONS, PUT, DELETE, TRACE. A request body of at most 64 KiB with a Content-Length is kept and sent again; a larger or chunked body is retried only when the failed attempt never connected.")]
    [MaxLength(9)]
    public List<HttpMethodName>? Methods { get; set; }

    [Description("Caps retries at a share of requests, so a failing upstream is not hit with attempts times the load.")]
    public RetryBudget? Budget { get; set; }
}

public sealed record RetryBudget
{
    [Description("Retries allowed per request, as a ratio: 0.2 lets retries add at most 20% to the load. Defaults to 0.2.")]
    [DefaultValue(0.2), Range(0.0, 1.0)]
    public double? Ratio { get; set; }

    [Description("Retries allowed per second whatever the traffic, so quiet routes can still retry. Defaults to 10.")]
    [DefaultValue(10), Range(0, 10000)]
    public int? MinPerSecond { get; set; }
}

/// <summary>Stops sending to a failing backend for a while; requests meanwhile get 503 circuit-open.</summary>
public sealed record CircuitBreakerPolicy
{
    [Description("Share of failed requests (connect failures, timeouts, 5xx) in samplingDuration that opens the circuit. Defaults to 0.5.")]
    [DefaultValue(0.5), Range(0.01, 1.0)]
    public double? FailureRatio { get; set; }

    [Description("Requests needed in samplingDuration before the ratio counts. Defaults to 20.")]
    [DefaultValue(20), Range(2, 100000)]
    public int? MinimumThroughput { get; set; }

    [Description("The window the failure ratio is measured over. Defaults to 30s.")]
    [DefaultValue("30s"), RegularExpression(Duration.Pattern)]
    public string? SamplingDuration { get; set; }

    [Description("How long the circuit stays open before one probe request is let through (half-open). Defaults to 30s.")]
    [DefaultValue("30s"), RegularExpression(Duration.Pattern)]
    public string? BreakDuration { get; set; }
}
