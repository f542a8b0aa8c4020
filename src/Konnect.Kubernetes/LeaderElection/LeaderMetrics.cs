using System.Diagnostics.Metrics;

namespace Konnect.Kubernetes.LeaderElection;

/// <summary>konnect_leader: 1 while this process holds the Lease (and writes status), else 0.</summary>
internal static class LeaderMetrics
{
    private static readonly Meter Meter = new("Konnect.Kubernetes.LeaderElection");
    private static int s_leading;

    // Observable, so the gauge reads 0 from the first scrape on, before any election has been won or lost.
    private static readonly ObservableGauge<int> Leader = Meter.CreateObservableGauge("konnect_leader", static () => Math.Min(1, Volatile.Read(ref s_leading)),
        description: "1 while this pod is the elected leader that writes status, 0 otherwise.");

    /// <summary>Touches the gauge so it exists once an elector does (folder mode has none, and no such metric).</summary>
    public static void Register() => _ = Leader;

    public static void Changed(bool leader) => Interlocked.Add(ref s_leading, leader ? 1 : -1);
}
