using System.Collections.Concurrent;
using System.Diagnostics;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// Every upstream address the gateway has forwarded to, parsed once, and the connection pools of their hosts and
/// ports. A sweep closes connections idle for longer than the upstream idle timeout, and forgets addresses and pools
/// not used since the previous sweep (a pool only once it holds no idle connection), so pods that went away leave
/// nothing behind.
/// </summary>
internal sealed class UpstreamTargets : IDisposable
{
    private readonly ConcurrentDictionary<string, Entry> _addresses = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConnectionPool> _pools = new(StringComparer.OrdinalIgnoreCase);
    private readonly ITimer _sweep;

    public UpstreamTargets(GatewayOptions options, TimeProvider time)
    {
        IdleTimeout = options.UpstreamIdleTimeout;
        IdleTicks = (long)(IdleTimeout.TotalSeconds * Stopwatch.Frequency);
        var every = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, IdleTimeout.Ticks / 2));
        _sweep = time.CreateTimer(static s => ((UpstreamTargets)s!).Sweep(), this, every, every);
    }

    public TimeSpan IdleTimeout { get; }

    /// <summary><see cref="IdleTimeout"/> in <see cref="Stopwatch"/> ticks.</summary>
    public long IdleTicks { get; }

    /// <summary>Addresses known now (tests watch entries come and go).</summary>
    public int Count => _addresses.Count;

    /// <summary>Pools known now.</summary>
    public int PoolCount => _pools.Count;

    /// <summary>The target for <paramref name="address"/> with a live pool, or null when YARP forwards to it instead.</summary>
    public UpstreamTarget? Get(string address)
    {
        if (!_addresses.TryGetValue(address, out var entry))
        {
            entry = _addresses.GetOrAdd(address, static a => new Entry(UpstreamTarget.TryCreate(a)));
        }
        // Read first: requests to one address share these, and a write per request would bounce their cache lines.
        if (!entry.Seen) { entry.Seen = true; }
        if (entry.Target is not { } target) { return null; }
        var pool = target.Pool;
        if (pool is null || pool.Retired)
        {
            pool = target.Pool = _pools.GetOrAdd(target.Authority, static (_, t) => new ConnectionPool(t.EndPoint), target);
        }
        if (!pool.Seen) { pool.Seen = true; }
        return target;
    }

    internal void Sweep()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (authority, pool) in _pools)
        {
            var idle = pool.CloseIdle(now, IdleTicks);
            if (idle > 0 || pool.Seen)
            {
                pool.Seen = false;
                continue;
            }
            if (_pools.TryRemove(new KeyValuePair<string, ConnectionPool>(authority, pool))) { pool.Retire(); }
        }
        foreach (var (address, entry) in _addresses)
        {
            if (entry.Seen) { entry.Seen = false; }
            else { _addresses.TryRemove(new KeyValuePair<string, Entry>(address, entry)); }
        }
    }

    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var pool in _pools.Values) { pool.Retire(); }
        _pools.Clear();
        _addresses.Clear();
    }

    private sealed class Entry(UpstreamTarget? target)
    {
        public UpstreamTarget? Target { get; } = target;

        public bool Seen;
    }
}
