using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Konnect.Gateway.Metrics;

/// <summary>
/// Listens to Konnect's meters and keeps, per instrument and label combination, what Prometheus scrapes: a running
/// total (counters, up-down counters), the last value (gauges, observable instruments) or fixed buckets (histograms,
/// bounds from the instrument's advice, else <see cref="DefaultBuckets"/>).
/// </summary>
/// <remarks>
/// Only meters named "Konnect.*". Those created through this application's <see cref="IMeterFactory"/> are its own (a
/// test process may run many gateways); static ones (the controller's and the Kubernetes client's, which live below
/// the gateway and know no DI) are process-wide and read by every aggregator.
/// </remarks>
public sealed class MetricsAggregator : IDisposable
{
    public static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentSeries> _instruments = new();
    private readonly IMeterFactory? _scope;
    private readonly Lock _collecting = new();

    public MetricsAggregator(IMeterFactory? scope)
    {
        _scope = scope;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!Accepts(instrument.Meter) || InstrumentSeries.Create(instrument) is not { } series)
            {
                return;
            }

            _instruments[instrument] = series;
            listener.EnableMeasurementEvents(instrument, series);
        };
        _listener.MeasurementsCompleted = (instrument, _) => _instruments.TryRemove(instrument, out InstrumentSeries? _);
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentSeries)state!).Record(value, tags));
        _listener.Start();
    }

    // ASP.NET's own meters share the factory; their OpenTelemetry names and units are not Prometheus names, and what
    // they measure Konnect reports under its own names.
    private bool Accepts(Meter meter) =>
        meter.Name.StartsWith("Konnect.", StringComparison.Ordinal) && (meter.Scope is null || ReferenceEquals(meter.Scope, _scope));

    /// <summary>
    /// Polls the observable instruments and returns every family, sorted by name with series sorted by labels, so two
    /// scrapes of the same state are byte-identical.
    /// </summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_collecting)
        {
            _listener.RecordObservableInstruments();
            try
            {
                var families = new SortedDictionary<string, (string Help, MetricType Type, List<MetricSeries> Series)>(StringComparer.Ordinal);
                foreach (var instrument in _instruments.Values)
                {
                    if (!families.TryGetValue(instrument.Name, out var family))
                    {
                        family = (instrument.Help, instrument.Type, []);
                        families[instrument.Name] = family;
                    }
                    else if (family.Type != instrument.Type)
                    {
                        continue; // two instruments disagree on a name's type: keep the first rather than emit an invalid family
                    }

                    instrument.Snapshot(family.Series);
                }

                return [.. families.Select(f => new MetricFamily(f.Key, f.Value.Help, f.Value.Type,
                    [.. f.Value.Series.OrderBy(s => s.Labels, LabelOrder.Instance)]))];
            }
            finally
            {
                // Observable instruments report what exists at each scrape: a label set no longer reported vanishes,
                // and an endpoint gauge's 20,000 label sets are not held (4 MiB) between scrapes.
                foreach (var instrument in _instruments.Values)
                {
                    if (instrument.IsObservable) { instrument.Clear(); }
                }
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private sealed class LabelOrder : IComparer<IReadOnlyList<KeyValuePair<string, string>>>
    {
        public static readonly LabelOrder Instance = new();

        public int Compare(IReadOnlyList<KeyValuePair<string, string>>? x, IReadOnlyList<KeyValuePair<string, string>>? y)
        {
            var count = Math.Min(x!.Count, y!.Count);
            for (var i = 0; i < count; i++)
            {
                var c = string.CompareOrdinal(x[i].Key, y[i].Key);
                if (c == 0) { c = string.CompareOrdinal(x[i].Value, y[i].Value); }
                if (c != 0) { return c; }
            }

            return x.Count.CompareTo(y.Count);
        }
    }
}
