using Konnect.Commands;
using Konnect.Testing.Kubernetes;

namespace Konnect.Functional.Tests.Infrastructure;

/// <summary>In-process `konnect run` against a (fake) cluster.</summary>
internal static class InProcessKonnect
{
    /// <summary>Options for <paramref name="kubeconfig"/>, loopback ports and <see cref="TestLeaderElection"/>'s timings.</summary>
    public static RunOptions ClusterModeOptions(string kubeconfig) => new(null, ["http://127.0.0.1:0"], ["http://127.0.0.1:0"])
    {
        Kubeconfig = kubeconfig,
        LeaseDuration = TestLeaderElection.LeaseDuration,
        RenewDeadline = TestLeaderElection.RenewDeadline,
        RetryPeriod = TestLeaderElection.RetryPeriod,
    };
}
