namespace Konnect.Gateway.Policies.RateLimiting;

internal enum RateLimitOutcome { Allowed, Limited, Unavailable }

/// <summary>
/// What a limiter decided, with the numbers for the RateLimit headers of the most restrictive limit (the one with
/// the fewest requests left; on a tie the one that takes longer to refill).
/// </summary>
/// <param name="Limit">That limit's bucket size (its burst, which defaults to its requests).</param>
/// <param name="ResetSeconds">Seconds until that limit's bucket is full again.</param>
/// <param name="RetryAfterSeconds">When limited, seconds until a request would be admitted (at least 1).</param>
/// <param name="Problem">When unavailable, why (e.g. Redis unreachable); never holds a credential.</param>
internal readonly record struct RateLimitDecision(RateLimitOutcome Outcome, long Limit, long Remaining, long ResetSeconds, long RetryAfterSeconds, string? Problem = null)
{
    public static RateLimitDecision Unavailable(string problem) => new(RateLimitOutcome.Unavailable, 0, 0, 0, 0, problem);

    /// <summary>Builds the decision from per-limit figures in any time unit of <paramref name="unitsPerSecond"/>.</summary>
    public static RateLimitDecision From(bool allowed, long retryAfter, ReadOnlySpan<long> remaining, ReadOnlySpan<long> untilFull, ReadOnlySpan<long> bursts, long unitsPerSecond)
    {
        var pick = 0;
        for (var i = 1; i < remaining.Length; i++)
        {
            if (remaining[i] < remaining[pick] || remaining[i] == remaining[pick] && untilFull[i] > untilFull[pick]) { pick = i; }
        }
        return new RateLimitDecision(
            allowed ? RateLimitOutcome.Allowed : RateLimitOutcome.Limited,
            bursts[pick],
            Math.Clamp(remaining[pick], 0, bursts[pick]),
            Seconds(untilFull[pick], unitsPerSecond),
            allowed ? 0 : Math.Max(1, Seconds(retryAfter, unitsPerSecond)));
    }

    private static long Seconds(long units, long unitsPerSecond) => units <= 0 ? 0 : (units + unitsPerSecond - 1) / unitsPerSecond;
}

/// <summary>One rule's limiter: counts per key value, locally or in Redis.</summary>
internal interface IRateLimiter
{
    /// <summary>Takes one request from every limit of <paramref name="key"/>'s buckets, or none when any is empty.</summary>
    ValueTask<RateLimitDecision> AcquireAsync(string key);
}
