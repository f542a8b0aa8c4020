using System.Globalization;
using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Health;

/// <summary>
/// Active health with both thresholds: an endpoint goes down after unhealthyThreshold failing probes in a row and
/// comes back after healthyThreshold passing ones. YARP's ConsecutiveFailures policy has no healthy threshold, so an
/// endpoint that flaps would get traffic back on its first good probe. A probe passes on a 2xx answer.
/// </summary>
internal sealed class ThresholdActiveHealthPolicy(IDestinationHealthUpdater updater) : IActiveHealthCheckPolicy
{
    public const string PolicyName = "KonnectThresholds";

    /// <summary>Cluster metadata: passing probes in a row that bring an unhealthy endpoint back (default 1).</summary>
    public const string HealthyThresholdKey = "konnect.health.healthyThreshold";

    /// <summary>Cluster metadata: failing probes in a row that take an endpoint out (default 2).</summary>
    public const string UnhealthyThresholdKey = "konnect.health.unhealthyThreshold";

    // Keyed by the destination object: a destination removed from the cluster takes its streak with it.
    private readonly ConditionalWeakTable<DestinationState, Streak> _streaks = new();

    public string Name => PolicyName;

    public void ProbingCompleted(ClusterState cluster, IReadOnlyList<DestinationProbingResult> probingResults)
    {
        var metadata = cluster.Model.Config.Metadata;
        var healthyThreshold = Read(metadata, HealthyThresholdKey, 1);
        var unhealthyThreshold = Read(metadata, UnhealthyThresholdKey, 2);
        var updates = new List<NewActiveDestinationHealth>(probingResults.Count);
        foreach (var result in probingResults)
        {
            var passed = result.Exception is null && result.Response is { IsSuccessStatusCode: true };
            var streak = _streaks.GetOrCreateValue(result.Destination);
            var current = result.Destination.Health.Active;
            DestinationHealth next;
            lock (streak)
            {
                streak.Record(passed);
                next = current switch
                {
                    DestinationHealth.Unhealthy => passed && streak.Count >= healthyThreshold ? DestinationHealth.Healthy : DestinationHealth.Unhealthy,
                    _ when !passed => streak.Count >= unhealthyThreshold ? DestinationHealth.Unhealthy : current,
                    // An unknown endpoint is already in rotation; its first good probe just confirms it.
                    _ => DestinationHealth.Healthy,
                };
            }
            updates.Add(new NewActiveDestinationHealth(result.Destination, next));
        }
        updater.SetActive(cluster, updates);
    }

    internal static int Read(IReadOnlyDictionary<string, string>? metadata, string key, int fallback) =>
        metadata?.TryGetValue(key, out var text) == true && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : fallback;

    private sealed class Streak
    {
        private bool _passing;

        /// <summary>Probes in a row with the same outcome as the last one.</summary>
        public int Count { get; private set; }

        public void Record(bool passed)
        {
            Count = passed == _passing ? Count + 1 : 1;
            _passing = passed;
        }
    }
}
