using System.Collections.Concurrent;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Gateway.Redis;

namespace Konnect.Gateway.Policies.RateLimiting;

/// <summary>
/// Every rule's limiter, kept across applied models by the rule's id and its block's content: republishing a model
/// (another route changed, an endpoint moved) must not hand every client a fresh bucket. A rule that disappears, or
/// whose rateLimit block changes, loses its old counters. Local limiters are swept of idle keys every <see cref="SweepInterval"/>.
/// </summary>
internal sealed class RateLimiterRegistry : IDisposable
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, IRateLimiter> _limiters = new(StringComparer.Ordinal);
    private readonly GatewayState _state;
    private readonly RedisHealth _health;
    private readonly RedisConnection? _redis;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public RateLimiterRegistry(GatewayState state, RedisHealth health, RedisConnection? redis = null, TimeProvider? time = null)
    {
        _state = state;
        _health = health;
        _redis = redis;
        _time = time ?? TimeProvider.System;
        _sweeper = _time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
        state.ModelApplied += Retain;
    }

    /// <summary>Identifies a rule's limiter: the same rule with the same block keeps its counters.</summary>
    public static string Identity(string routeId, RateLimitModel model) => routeId + "\n" + model.Fingerprint();

    public IRateLimiter For(string identity, RateLimitModel model) =>
        _limiters.GetOrAdd(identity, static (id, args) => args.Model.Scope == RateLimitScope.Cluster
            ? new ClusterRateLimiter(args.Model, id, args.Self._redis, args.Self._health)
            : new LocalRateLimiter(args.Model, args.Self._time), (Model: model, Self: this));

    /// <summary>Limiters held now (tests check that republishing keeps them).</summary>
    internal IRateLimiter? Find(string identity) => _limiters.GetValueOrDefault(identity);

    private void Retain(GatewayModel model)
    {
        var live = model.Routes
            .Where(r => r.Policies?.RateLimit is not null)
            .Select(r => Identity(r.Id, r.Policies!.RateLimit!))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var identity in _limiters.Keys.Where(k => !live.Contains(k)))
        {
            _limiters.TryRemove(identity, out _);
        }
    }

    private void Sweep()
    {
        foreach (var limiter in _limiters.Values)
        {
            if (limiter is LocalRateLimiter local) { local.Sweep(); }
        }
    }

    public void Dispose()
    {
        _state.ModelApplied -= Retain;
        _sweeper.Dispose();
    }
}
