namespace Konnect.Testing.Kubernetes;

/// <summary>
/// Leader-election timings for an in-process `konnect run` on the fake API server: short enough for a test to see the
/// leader write status within a second or two (the chart's RBAC test and the functional cluster-mode tests use them).
/// </summary>
public static class TestLeaderElection
{
    public static TimeSpan LeaseDuration { get; } = TimeSpan.FromSeconds(2);
    public static TimeSpan RenewDeadline { get; } = TimeSpan.FromSeconds(1.5);
    public static TimeSpan RetryPeriod { get; } = TimeSpan.FromMilliseconds(200);
}
