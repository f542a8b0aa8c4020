namespace Konnect.Model;

/// <summary>
/// The resilience blocks a rule enforces: how an endpoint is chosen, which endpoints are healthy, and what happens when
/// an attempt fails. Like every policy block, each of the four is taken whole from the last policy that sets it.
/// </summary>
public sealed record ResilienceModel
{
    public LoadBalancingModel? LoadBalancing { get; init; }
    public HealthCheckModel? HealthCheck { get; init; }
    public RetryModel? Retry { get; init; }
    public CircuitBreakerModel? CircuitBreaker { get; init; }

    /// <summary>Each block of <paramref name="later"/> replaces the one of <paramref name="earlier"/>; null when neither sets any.</summary>
    public static ResilienceModel? Merge(ResilienceModel? earlier, ResilienceModel? later) =>
        earlier is null ? later
        : later is null ? earlier
        : new ResilienceModel
        {
            LoadBalancing = later.LoadBalancing ?? earlier.LoadBalancing,
            HealthCheck = later.HealthCheck ?? earlier.HealthCheck,
            Retry = later.Retry ?? earlier.Retry,
            CircuitBreaker = later.CircuitBreaker ?? earlier.CircuitBreaker,
        };
}

public enum AffinityKind { Cookie, Header }

public sealed record LoadBalancingModel
{
    public required string Policy { get; init; }
    /// <summary>A YARP load-balancing policy name: RoundRobin, LeastRequests, PowerOfTwoChoices, Random or First.</summary>
    public required string Algorithm { get; init; }
    public AffinityModel? Affinity { get; init; }
}

public sealed record AffinityModel
{
    public required AffinityKind Kind { get; init; }
    /// <summary>The cookie or header name.</summary>
    public required string Name { get; init; }
    /// <summary>Cookie lifetime; null is a session cookie (and always null for headers).</summary>
    public TimeSpan? Ttl { get; init; }
}

public sealed record HealthCheckModel
{
    public required string Policy { get; init; }
    public ActiveHealthModel? Active { get; init; }
    public PassiveHealthModel? Passive { get; init; }
}

public sealed record ActiveHealthModel
{
    public required string Path { get; init; }
    public required TimeSpan Interval { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required int HealthyThreshold { get; init; }
    public required int UnhealthyThreshold { get; init; }
}

public sealed record PassiveHealthModel
{
    public required int ConsecutiveFailures { get; init; }
    public required TimeSpan ReactivationPeriod { get; init; }
}

public sealed record RetryModel
{
    public required string Policy { get; init; }
    /// <summary>Total attempts including the first.</summary>
    public required int Attempts { get; init; }
    public required bool OnConnectFailure { get; init; }
    public required bool OnTimeout { get; init; }
    /// <summary>5xx statuses that are retried, sorted.</summary>
    public IReadOnlyList<int> OnStatuses { get; init; } = [];
    public TimeSpan? PerTryTimeout { get; init; }
    /// <summary>Upper-case methods that may be retried, sorted.</summary>
    public required IReadOnlyList<string> Methods { get; init; }
    /// <summary>Retries earned per request (0.2 = at most 20% extra load).</summary>
    public required double BudgetRatio { get; init; }
    /// <summary>Retries allowed per second regardless of traffic.</summary>
    public required int BudgetMinPerSecond { get; init; }
}

public sealed record CircuitBreakerModel
{
    public required string Policy { get; init; }
    public required double FailureRatio { get; init; }
    public required int MinimumThroughput { get; init; }
    public required TimeSpan SamplingDuration { get; init; }
    public required TimeSpan BreakDuration { get; init; }
}
