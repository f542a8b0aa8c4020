using Konnect.Api.V1Alpha1;

namespace Konnect.Model;

/// <summary>
/// A validated rateLimit block. Each rule that enforces it counts on its own (per rule and per key value), so one
/// policy on two routes gives each route the full limit.
/// </summary>
public sealed record RateLimitModel
{
    /// <summary>The policy this block came from ("namespace/name").</summary>
    public required string Policy { get; init; }
    /// <summary>Every limit a request must pass, in the order the policy lists them.</summary>
    public required IReadOnlyList<RateLimitWindowModel> Limits { get; init; }
    public required RateLimitKey Key { get; init; }
    /// <summary>Lower-case header name with <see cref="RateLimitKey.Header"/>; null otherwise.</summary>
    public string? Header { get; init; }
    public required RateLimitScope Scope { get; init; }
    /// <summary>What a cluster-scoped limit does when Redis cannot be reached; always Open for local scope.</summary>
    public RateLimitFailurePolicy FailurePolicy { get; init; } = RateLimitFailurePolicy.Open;

    /// <summary>
    /// The block's content as one string: limiter state is kept across models while this stays the same, and
    /// starts afresh when the owner changes the limits.
    /// </summary>
    public string Fingerprint() =>
        $"{Key}|{Header}|{Scope}|{FailurePolicy}|{string.Join(',', Limits.Select(l => $"{l.Requests}/{l.Period.Ticks}/{l.Burst}"))}";
}

/// <summary>A token bucket: <see cref="Burst"/> requests at once, refilled at <see cref="Requests"/> per <see cref="Period"/>.</summary>
public sealed record RateLimitWindowModel(long Requests, TimeSpan Period, long Burst);
