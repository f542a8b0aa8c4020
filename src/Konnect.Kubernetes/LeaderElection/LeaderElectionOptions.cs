namespace Konnect.Kubernetes.LeaderElection;

/// <summary>
/// Where the Lease lives and how long leadership lasts. The defaults are client-go's (15 s / 10 s / 2 s): a leader
/// that vanishes is replaced within about LeaseDuration + RetryPeriod, and a leader that cannot reach the API server
/// stops acting within RenewDeadline, which is shorter than LeaseDuration so two leaders never overlap.
/// </summary>
public sealed record LeaderElectionOptions
{
    public required string LeaseNamespace { get; init; }
    public string LeaseName { get; init; } = "konnect-leader";

    /// <summary>Unique per process: the pod name plus a random suffix, so a restarted pod is a new candidate.</summary>
    public string Identity { get; init; } = DefaultIdentity();

    /// <summary>How long others wait after the last renewal they saw before taking the lease.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives leadership up.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The pause between attempts to acquire, and between renewals.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Hand the lease back on clean shutdown, so the next pod takes over at once instead of after LeaseDuration.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    public static string DefaultIdentity()
    {
        var pod = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } name ? name : Environment.MachineName;
        return $"{pod}_{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>Throws when the durations cannot work together (the same checks client-go makes).</summary>
    public void Validate()
    {
        if (RetryPeriod <= TimeSpan.Zero) { throw new ArgumentException("RetryPeriod must be positive."); }
        if (RenewDeadline <= RetryPeriod) { throw new ArgumentException("RenewDeadline must be longer than RetryPeriod."); }
        if (LeaseDuration <= RenewDeadline) { throw new ArgumentException("LeaseDuration must be longer than RenewDeadline."); }
        if (LeaseDuration < TimeSpan.FromSeconds(1)) { throw new ArgumentException("LeaseDuration must be at least 1 second (the Lease stores whole seconds)."); }
        if (string.IsNullOrEmpty(Identity)) { throw new ArgumentException("Identity is required."); }
    }
}
