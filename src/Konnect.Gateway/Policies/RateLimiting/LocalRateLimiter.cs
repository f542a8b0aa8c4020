using System.Collections.Concurrent;
using Konnect.Model;

namespace Konnect.Gateway.Policies.RateLimiting;

/// <summary>
/// Token buckets for one rule in this pod, one set per key value, kept as GCRA "theoretical arrival times": a bucket
/// is a single long per limit, and one that is full again carries no information, so it can be dropped at any time
/// without changing a decision. That is what keeps memory bounded: idle keys are swept, and past
/// <see cref="MaxKeys"/> distinct keys (a client inventing header values) new keys share one overflow bucket, so
/// they are limited together rather than growing the table. The per-key lock guards a few additions; it is only
/// contended by concurrent requests of the same key.
/// </summary>
internal sealed class LocalRateLimiter : IRateLimiter
{
    public const int DefaultMaxKeys = 100_000;
    private static readonly long SweepEvery = TimeSpan.FromSeconds(1).Ticks;

    private readonly long[] _interval;
    private readonly long[] _burst;
    private readonly ConcurrentDictionary<string, Bucket> _keys = new(StringComparer.Ordinal);
    private readonly Bucket _overflow;
    private readonly TimeProvider _time;
    private readonly long _origin;
    private int _count;
    private long _lastSweep;

    public LocalRateLimiter(RateLimitModel model, TimeProvider? time = null, int maxKeys = DefaultMaxKeys)
    {
        _interval = model.Limits.Select(l => Math.Max(1, l.Period.Ticks / l.Requests)).ToArray();
        _burst = model.Limits.Select(l => l.Burst).ToArray();
        _overflow = new Bucket(_interval.Length);
        _time = time ?? TimeProvider.System;
        _origin = _time.GetTimestamp();
        MaxKeys = maxKeys;
    }

    public int MaxKeys { get; }

    /// <summary>Distinct keys held now (not counting the overflow bucket).</summary>
    public int KeyCount => Volatile.Read(ref _count);

    public ValueTask<RateLimitDecision> AcquireAsync(string key) => new(Acquire(key));

    public RateLimitDecision Acquire(string key)
    {
        // +1 so that 0 in a fresh bucket always means "full".
        var now = _time.GetElapsedTime(_origin).Ticks + 1;
        return Take(BucketFor(key, now), now);
    }

    private Bucket BucketFor(string key, long now)
    {
        if (_keys.TryGetValue(key, out var bucket)) { return bucket; }
        if (Volatile.Read(ref _count) >= MaxKeys)
        {
            SweepIfDue(now);
            if (Volatile.Read(ref _count) >= MaxKeys) { return _overflow; }
        }
        var fresh = new Bucket(_interval.Length);
        if (_keys.TryAdd(key, fresh))
        {
            Interlocked.Increment(ref _count);
            return fresh;
        }
        return _keys.TryGetValue(key, out bucket) ? bucket : fresh;
    }

    private RateLimitDecision Take(Bucket bucket, long now)
    {
        var n = _interval.Length;
        Span<long> remaining = stackalloc long[n];
        Span<long> untilFull = stackalloc long[n];
        var allowed = true;
        long retry = 0;
        lock (bucket.Gate)
        {
            var tats = bucket.Tats;
            for (var i = 0; i < n; i++)
            {
                // The bucket admits a request when its next arrival time, minus the burst's worth of intervals, is not in the future.
                var allowAt = Math.Max(tats[i], now) + _interval[i] - _burst[i] * _interval[i];
                if (allowAt > now)
                {
                    allowed = false;
                    retry = Math.Max(retry, allowAt - now);
                }
            }
            for (var i = 0; i < n; i++)
            {
                var tat = Math.Max(tats[i], now);
                if (allowed) { tats[i] = tat += _interval[i]; }
                remaining[i] = (now - (tat - _burst[i] * _interval[i])) / _interval[i];
                untilFull[i] = tat - now;
            }
            bucket.LastTat = tats.Max();
        }
        return RateLimitDecision.From(allowed, retry, remaining, untilFull, _burst, TimeSpan.TicksPerSecond);
    }

    private void SweepIfDue(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last >= SweepEvery && Interlocked.CompareExchange(ref _lastSweep, now, last) == last) { Sweep(now); }
    }

    /// <summary>Drops every key whose buckets are full again; returns how many.</summary>
    public int Sweep() => Sweep(_time.GetElapsedTime(_origin).Ticks + 1);

    private int Sweep(long now)
    {
        var removed = 0;
        foreach (var (key, bucket) in _keys)
        {
            // A request racing this removal may still update the dropped bucket; the next one then starts full,
            // which is at most one refill's worth of leniency for a key that was idle anyway.
            if (Volatile.Read(ref bucket.LastTat) <= now && _keys.TryRemove(new KeyValuePair<string, Bucket>(key, bucket)))
            {
                Interlocked.Decrement(ref _count);
                removed++;
            }
        }
        return removed;
    }

    private sealed class Bucket(int limits)
    {
        public readonly Lock Gate = new();
        public readonly long[] Tats = new long[limits];
        /// <summary>The latest arrival time over all limits: once it has passed, every bucket of the key is full.</summary>
        public long LastTat;
    }
}
