using System.Diagnostics.Metrics;
using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller;

/// <summary>
/// The control plane's instruments: model applies and their duration, and how many objects the translator accepted
/// or rejected. A static meter: one reconciler runs per process in production. Where several run (tests host many),
/// konnect_objects sums each live reconciler's last report, so no reconciler's numbers are overwritten by another's.
/// </summary>
public static class ControllerMetrics
{
    private static readonly Meter Meter = new("Konnect.Controller");

    private static readonly Counter<long> Applies = Meter.CreateCounter<long>("konnect_config_applies_total",
        description: "Gateway models applied to the data plane (unchanged models are not re-applied).");

    private static readonly Counter<long> Failures = Meter.CreateCounter<long>("konnect_config_apply_failures_total",
        description: "Reconcile passes that failed; the last good model kept serving.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram("konnect_config_apply_duration_seconds", unit: "s",
        description: "Time from a store change to the model applied: translation plus data-plane swap.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, KeyValuePair<(string Kind, string State), int>[]> s_objects = [];

    private static readonly ObservableGauge<int> Objects = Meter.CreateObservableGauge("konnect_objects", ObserveObjects,
        description: "Konnect objects by kind and state (accepted or rejected), as the last reconcile pass judged them.");

    public static void Applied(TimeSpan elapsed)
    {
        Applies.Add(1);
        Duration.Record(elapsed.TotalSeconds);
    }

    public static void Failed() => Failures.Add(1);

    /// <param name="reporter">The reconciler whose report this is.</param>
    public static void Reported(object reporter, IReadOnlyList<ObjectStatus> statuses)
    {
        var counts = new Dictionary<(string, string), int>();
        foreach (var kind in (string[])["KonnectRoute", "KonnectPolicy", "KonnectConsumer"])
        {
            // Both states of the three kinds always exist, so "rejected" reads 0 rather than no data.
            counts[(kind, "accepted")] = 0;
            counts[(kind, "rejected")] = 0;
        }

        foreach (var status in statuses)
        {
            var key = (status.Object.Kind, status.IsAccepted ? "accepted" : "rejected");
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        s_objects.AddOrUpdate(reporter, [.. counts]);
        _ = Objects; // the gauge exists from the first report on
    }

    private static IEnumerable<Measurement<int>> ObserveObjects() =>
        s_objects.SelectMany(r => r.Value)
            .GroupBy(o => o.Key, o => o.Value)
            .Select(g => new Measurement<int>(g.Sum(), new KeyValuePair<string, object?>("kind", g.Key.Kind), new KeyValuePair<string, object?>("state", g.Key.State)));
}
