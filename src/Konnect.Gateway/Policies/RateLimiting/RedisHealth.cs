using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Gateway.Redis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Policies.RateLimiting;

/// <summary>
/// Whether the Redis behind cluster-scoped rate limits answers, told to every KonnectPolicy that uses one: while it
/// does not, those policies carry RedisAvailable=False (reason RedisUnavailable) through <see cref="IDataPlaneReports"/>.
/// The condition has its own type (not ResolvedRefs) so that it never overwrites, or is cleared by, a JWKS problem
/// reported on the same policy; it is present only while Redis is unusable.
/// Requests report what they see; a PING every <see cref="ProbeInterval"/> keeps the status true when no traffic comes.
/// Only transitions take the lock, so a request pays one volatile read.
/// </summary>
public sealed partial class RedisHealth : IHostedService, IDisposable
{
    public const string ConditionType = "RedisAvailable";
    public const string Reason = "RedisUnavailable";
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    private readonly GatewayState _state;
    private readonly IDataPlaneReports _conditions;
    private readonly RedisConnection? _redis;
    private readonly ILogger<RedisHealth> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<ObjectRef, RateLimitFailurePolicy> _users = new Dictionary<ObjectRef, RateLimitFailurePolicy>();
    private readonly HashSet<ObjectRef> _reported = [];
    private volatile string? _down;

    public RedisHealth(GatewayState state, IDataPlaneReports conditions, ILogger<RedisHealth> logger, RedisConnection? redis = null)
    {
        _state = state;
        _conditions = conditions;
        _redis = redis;
        _logger = logger;
        state.ModelApplied += OnModelApplied;
        if (state.AppliedModel is { } model) { OnModelApplied(model); }
    }

    /// <summary>Why Redis is unusable now, or null while it answers.</summary>
    public string? Problem => _down;

    /// <summary>A request saw Redis fail: the first failure sets the condition; while it is down, only the probe refines it.</summary>
    internal void Failed(string problem)
    {
        if (_down is not null) { return; }
        Update(problem);
    }

    /// <summary>Sets the condition's cause. The probe calls it every <see cref="ProbeInterval"/>, so a cause that changes
    /// (connecting, then "authentication failed") is told at most that often, and an unchanged one writes nothing.</summary>
    private void Update(string problem)
    {
        lock (_gate)
        {
            if (_down == problem) { return; }
            _down = problem;
            LogUnavailable(_logger, problem);
            Report();
        }
    }

    internal void Succeeded()
    {
        if (_down is null) { return; }
        lock (_gate)
        {
            if (_down is null) { return; }
            _down = null;
            LogRecovered(_logger, _redis?.Endpoint ?? "");
            Report();
        }
    }

    private void OnModelApplied(GatewayModel model)
    {
        var users = new SortedDictionary<ObjectRef, RateLimitFailurePolicy>();
        foreach (var route in model.Routes)
        {
            if (route.Policies?.RateLimit is not { Scope: RateLimitScope.Cluster } limit) { continue; }
            if (ObjectRef.ParsePolicy(limit.Policy) is { } policy) { users[policy] = limit.FailurePolicy; }
        }
        lock (_gate)
        {
            _users = users;
            Report();
        }
    }

    /// <summary>Makes the conditions match the state and the current users. Called under _gate.</summary>
    private void Report()
    {
        var down = _down;
        foreach (var policy in _reported.Where(p => down is null || !_users.ContainsKey(p)).ToList())
        {
            _conditions.Clear(policy, ConditionType);
            _reported.Remove(policy);
        }
        if (down is null) { return; }
        foreach (var (policy, failure) in _users)
        {
            var consequence = failure == RateLimitFailurePolicy.Closed
                ? "failurePolicy closed: requests get 503 ratelimit-unavailable"
                : "failurePolicy open: requests are admitted without the cluster limit";
            _conditions.Set(policy, new Condition
            {
                Type = ConditionType,
                Status = "False",
                Reason = Reason,
                Message = $"spec.rateLimit: scope cluster cannot reach Redis ({down}); {consequence} until it answers",
            });
            _reported.Add(policy);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(ProbeAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task ProbeAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await Task.Delay(ProbeInterval, stopping).ConfigureAwait(false);
                if (_users.Count == 0) { continue; }
                if (_redis is null)
                {
                    Update("no Redis is configured (konnect run --redis host:port, or KONNECT_REDIS)");
                    continue;
                }
                if (await _redis.PingAsync().ConfigureAwait(false) is { } problem)
                {
                    Update(problem);
                }
                else
                {
                    Succeeded();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _state.ModelApplied -= OnModelApplied;
        if (!_stopping.IsCancellationRequested) { _stopping.Cancel(); }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis for cluster rate limits is unavailable: {Problem}")]
    private static partial void LogUnavailable(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis {Endpoint} answers again; cluster rate limits are enforced")]
    private static partial void LogRecovered(ILogger logger, string endpoint);
}
