using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// Requests per period, counted per rule and per key value. Each limit is a token bucket: <c>burst</c> requests may
/// arrive at once (default <c>requests</c>) and the bucket refills at <c>requests</c> per <c>period</c>. A request
/// must pass every limit; a refused one gets 429 and never reaches the upstream.
/// </summary>
[CelRule("self.key != 'header' || has(self.header)", "key: header needs header: the request header to count by")]
[CelRule("self.key == 'header' || !has(self.header)", "header is only used with key: header")]
[CelRule("self.scope == 'cluster' || !has(self.failurePolicy)", "failurePolicy only applies to scope: cluster")]
public sealed record RateLimitPolicy
{
    [Description("The limits; a request must pass all of them, e.g. 10 per 1s and 1000 per 1h.")]
    [Required, MinLength(1), MaxLength(8)]
    public List<RateLimitWindow> Limits { get; set; } = [];

    [Description("What is counted separately: consumer (the authenticated consumer; requests without one, or as the anonymous consumer, by client address), clientIp (the address ipAccess judges: the socket, or the forwarded header from its trustedProxies), header (the value of header; requests without it by client address) or route (all callers together). Defaults to consumer.")]
    [DefaultValue(RateLimitKey.Consumer)]
    public RateLimitKey Key { get; set; } = RateLimitKey.Consumer;

    [Description("The request header whose value is the key, with key: header.")]
    [RegularExpression(IpAccessPolicy.HeaderNamePattern), MaxLength(64)]
    public string? Header { get; set; }

    [Description("local counts in each gateway pod (a limit of 100 admits up to 100 per pod); cluster shares the counts of all pods through the Redis given to konnect run --redis. Defaults to local.")]
    [DefaultValue(RateLimitScope.Local)]
    public RateLimitScope Scope { get; set; } = RateLimitScope.Local;

    [Description("With scope: cluster, what happens when Redis cannot be reached: open admits requests (a Redis outage must not take the API down; the policy's status says Redis is unreachable), closed refuses them with 503 ratelimit-unavailable. Defaults to open.")]
    public RateLimitFailurePolicy? FailurePolicy { get; set; }
}

public sealed record RateLimitWindow
{
    [Description("Requests admitted per period.")]
    [Required, Range(1, 1_000_000_000)]
    public long Requests { get; set; }

    [Description("The period, e.g. 1s, 1m, 1h (at least 1s, at most 24h).")]
    [Required, RegularExpression(Duration.Pattern)]
    public string Period { get; set; } = "";

    [Description("Requests that may arrive at once before the refill rate applies (the bucket size). Defaults to requests.")]
    [Range(1, 1_000_000_000)]
    public long? Burst { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<RateLimitKey>))]
public enum RateLimitKey
{
    [JsonStringEnumMemberName("consumer")] Consumer,
    [JsonStringEnumMemberName("clientIp")] ClientIp,
    [JsonStringEnumMemberName("header")] Header,
    [JsonStringEnumMemberName("route")] Route,
}

[JsonConverter(typeof(JsonStringEnumConverter<RateLimitScope>))]
public enum RateLimitScope
{
    [JsonStringEnumMemberName("local")] Local,
    [JsonStringEnumMemberName("cluster")] Cluster,
}

[JsonConverter(typeof(JsonStringEnumConverter<RateLimitFailurePolicy>))]
public enum RateLimitFailurePolicy
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("closed")] Closed,
}
