using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Policies.RateLimiting;
using static Konnect.Gateway.Tests.Policies.RateLimiting.RateLimits;

namespace Konnect.Gateway.Tests.Policies.RateLimiting;

/// <summary>The local token buckets with a hand-driven clock: refill arithmetic, idle-key sweeping and the key cap.</summary>
public sealed class LocalRateLimiterTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Ticks;
        public void Advance(TimeSpan by) => Ticks += by.Ticks;
    }

    [Fact]
    public void Burst_AdmittedAtOnce_ThenTheRateRefillsOneRequestPerInterval()
    {
        var time = new ManualTime();
        var block = Block(RateLimitKey.Route, (10, "1s")) with { Limits = [new(10, TimeSpan.FromSeconds(1), 20)] };
        var limiter = new LocalRateLimiter(block, time);

        for (var i = 0; i < 20; i++) { Assert.Equal(RateLimitOutcome.Allowed, limiter.Acquire("k").Outcome); }
        var refused = limiter.Acquire("k");
        Assert.Equal((RateLimitOutcome.Limited, 20, 0, 1), (refused.Outcome, refused.Limit, refused.Remaining, refused.RetryAfterSeconds));

        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(RateLimitOutcome.Allowed, limiter.Acquire("k").Outcome);
        Assert.Equal(RateLimitOutcome.Limited, limiter.Acquire("k").Outcome);

        time.Advance(TimeSpan.FromSeconds(2));
        var full = limiter.Acquire("k");
        Assert.Equal((RateLimitOutcome.Allowed, 19L, 1L), (full.Outcome, full.Remaining, full.ResetSeconds));
    }

    [Fact]
    public void IdleKeys_BucketsFullAgain_Swept()
    {
        var time = new ManualTime();
        var limiter = new LocalRateLimiter(Block(RateLimitKey.ClientIp, (5, "10s")), time);
        limiter.Acquire("a");
        time.Advance(TimeSpan.FromSeconds(1));
        limiter.Acquire("b");

        time.Advance(TimeSpan.FromSeconds(1.5));
        // "a" took 2 s of a 5-per-10s bucket 2.5 s ago: full again, nothing to remember. "b" still refills.
        Assert.Equal(1, limiter.Sweep());
        Assert.Equal(1, limiter.KeyCount);
    }

    [Fact]
    public void NewKeys_PastTheKeyCap_ShareOneOverflowBucket()
    {
        var time = new ManualTime();
        var limiter = new LocalRateLimiter(Block(RateLimitKey.Header, (2, "1m")), time, maxKeys: 3);
        foreach (var key in new[] { "a", "b", "c" }) { Assert.Equal(RateLimitOutcome.Allowed, limiter.Acquire(key).Outcome); }

        // Random values beyond the cap cannot grow the table and are limited together.
        Assert.Equal(RateLimitOutcome.Allowed, limiter.Acquire("random-1").Outcome);
        Assert.Equal(RateLimitOutcome.Allowed, limiter.Acquire("random-2").Outcome);
        Assert.Equal(RateLimitOutcome.Limited, limiter.Acquire("random-3").Outcome);
        Assert.Equal(3, limiter.KeyCount);
        // Known keys keep their own buckets.
        Assert.Equal(RateLimitOutcome.Allowed, limiter.Acquire("a").Outcome);

        // Once the held keys are full again, a sweep makes room and new keys get their own buckets.
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(RateLimitOutcome.Allowed, limiter.Acquire("fresh").Outcome);
        Assert.Equal(1, limiter.KeyCount);
    }
}
