using Prometheus;

namespace Konnect.Gateway.Observability.Metrics;

/// <summary>
/// A gauge whose series are read from live state when a scrape begins (<see cref="Observe"/>) and dropped when it ends
/// (<see cref="Clear"/>): a series whose subject is gone (an endpoint scaled away, a route deleted) vanishes from the
/// next scrape, and between scrapes no series is held. prometheus-net keeps a child per label set until it is removed
/// (about 500 bytes each, with its label values): at 20,000 endpoints those would stay from one scrape to the next.
/// </summary>
internal sealed class ObservedGauge(Gauge gauge, Action<ObservedGauge> observe)
{
    // The label sets this scrape set, to remove them afterwards. Tracked here rather than listed back from the gauge,
    // whose listing rents a pooled array as long as the series count that the shared pool then keeps (2.4 MiB at 20,000).
    private readonly List<string[]> _reported = [];

    public static ObservedGauge Create(MetricFactory factory, string name, string help, string[] labelNames, Action<ObservedGauge> observe) =>
        new(factory.CreateGauge(name, help, labelNames, new GaugeConfiguration { SuppressInitialValue = true }), observe);

    /// <summary>Called by <c>observe</c> once per series; label values in the order of the gauge's label names.</summary>
    public void Set(double value, string[] labels)
    {
        gauge.WithLabels(labels).Set(value);
        _reported.Add(labels);
    }

    public void Observe() => observe(this);

    public void Clear()
    {
        foreach (var labels in _reported) { gauge.RemoveLabelled(labels); }
        _reported.Clear();
        // Past a few hundred series a fresh list, so a burst of 20,000 endpoints leaves no 160 KiB list behind.
        if (_reported.Capacity > 1024) { _reported.Capacity = 0; }
    }
}
