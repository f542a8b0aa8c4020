using System.Buffers;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;

namespace Konnect.Gateway.Observability.Metrics;

/// <summary>
/// Feeds the System.Diagnostics.Metrics instruments of meters named "Konnect.*" into one gateway's registry, as
/// prometheus-net collectors of the same name, help, labels and type. They are the instruments that live below the
/// gateway and know neither DI nor prometheus-net: the controller's, the Kubernetes client's (static meters, process-wide,
/// so every gateway's scrape shows them) and rate limiting's; and any meter of this application's own
/// <see cref="IMeterFactory"/> (only this gateway's scrape shows those).
/// </summary>
/// <remarks>
/// Not prometheus-net's MeterAdapter, which would rename every metric after its meter
/// (konnect_controller_konnect_config_applies_total), export counters as gauges, add the unit and instrument type to
/// the help text and forget a series after five idle minutes: dashboards and alerts written against these names and
/// types would break. A series takes the instrument's first measurement's tag names, sorted; a later measurement with
/// other tag names is not exported (Konnect's instruments always pass the same ones).
/// </remarks>
internal sealed class MeterBridge : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly MeterListener _listener = new();
    private readonly MetricFactory _factory;
    private readonly IMeterFactory? _scope;
    private readonly Lock _observableLock = new();
    private readonly List<BridgedInstrument> _observable = [];

    public MeterBridge(CollectorRegistry registry, IMeterFactory? scope)
    {
        _factory = GatewayMetrics.Factory(registry);
        _scope = scope;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!Accepts(instrument.Meter) || BridgedInstrument.For(instrument) is not { } bridged) { return; }
            if (bridged.Observable)
            {
                lock (_observableLock) { _observable.Add(bridged); }
            }

            listener.EnableMeasurementEvents(instrument, bridged);
        };
        _listener.MeasurementsCompleted = (_, state) =>
        {
            lock (_observableLock) { _observable.Remove((BridgedInstrument)state!); }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((BridgedInstrument)state!).Record(_factory, value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((BridgedInstrument)state!).Record(_factory, value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((BridgedInstrument)state!).Record(_factory, value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments into the registry; the gateway calls it when a scrape begins.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    // ASP.NET's own meters share the factory; their OpenTelemetry names and units are not Prometheus names, and what
    // they measure Konnect reports under its own names.
    private bool Accepts(Meter meter) =>
        meter.Name.StartsWith("Konnect.", StringComparison.Ordinal) && (meter.Scope is null || ReferenceEquals(meter.Scope, _scope));

    /// <summary>Observable instruments report what exists at each scrape: their series are dropped once it is written.</summary>
    public void ScrapeCompleted()
    {
        lock (_observableLock)
        {
            foreach (var instrument in _observable) { instrument.Clear(); }
        }
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>One instrument and the collector it feeds, created at its first measurement (the tags name the labels).</summary>
    private sealed class BridgedInstrument
    {
        private enum Kind { Add, RaiseTo, GaugeAdd, GaugeSet, Observe }

        private readonly Instrument _instrument;
        private readonly Kind _kind;
        private readonly Lock _creating = new();
        private Collector? _collector;
        private string[] _labelNames = [];
        private bool _failed;

        private BridgedInstrument(Instrument instrument, Kind kind, bool observable)
        {
            _instrument = instrument;
            _kind = kind;
            Observable = observable;
        }

        public bool Observable { get; }

        public static BridgedInstrument? For(Instrument instrument)
        {
            var generic = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
            return generic switch
            {
                _ when generic == typeof(Counter<>) => new(instrument, Kind.Add, false),
                _ when generic == typeof(UpDownCounter<>) => new(instrument, Kind.GaugeAdd, false),
                _ when generic == typeof(Gauge<>) => new(instrument, Kind.GaugeSet, false),
                _ when generic == typeof(Histogram<>) => new(instrument, Kind.Observe, false),
                _ when generic == typeof(ObservableCounter<>) => new(instrument, Kind.RaiseTo, true),
                _ when generic == typeof(ObservableGauge<>) || generic == typeof(ObservableUpDownCounter<>) => new(instrument, Kind.GaugeSet, true),
                _ => null,
            };
        }

        public void Record(MetricFactory factory, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // Tags sorted by name (the order labels have always been written in, whatever order the caller passed) into
            // pooled arrays: a measurement of an existing series allocates nothing, even at a flood of 429s.
            var names = ArrayPool<string>.Shared.Rent(tags.Length);
            var values = ArrayPool<string>.Shared.Rent(tags.Length);
            try
            {
                for (var i = 0; i < tags.Length; i++)
                {
                    var (name, text) = (Sanitize(tags[i].Key), Format(tags[i].Value));
                    var j = i;
                    for (; j > 0 && string.CompareOrdinal(names[j - 1], name) > 0; j--)
                    {
                        names[j] = names[j - 1];
                        values[j] = values[j - 1];
                    }

                    names[j] = name;
                    values[j] = text;
                }

                var labelNames = names.AsSpan(0, tags.Length);
                if ((Volatile.Read(ref _collector) ?? Create(factory, labelNames)) is not { } collector
                    || !labelNames.SequenceEqual(_labelNames)) { return; }
                Apply(collector, value, values.AsSpan(0, tags.Length));
            }
            finally
            {
                ArrayPool<string>.Shared.Return(names, clearArray: true);
                ArrayPool<string>.Shared.Return(values, clearArray: true);
            }
        }

        private void Apply(Collector collector, double value, ReadOnlySpan<string> labels)
        {
            switch (collector)
            {
                case Counter counter when _kind == Kind.RaiseTo:
                    counter.WithLabels(labels).IncTo(value);
                    break;
                case Counter counter:
                    counter.WithLabels(labels).Inc(value, Exemplar.None);
                    break;
                case Gauge gauge when _kind == Kind.GaugeAdd:
                    gauge.WithLabels(labels).Inc(value);
                    break;
                case Gauge gauge:
                    gauge.WithLabels(labels).Set(value);
                    break;
                case Histogram histogram:
                    histogram.WithLabels(labels).Observe(value, Exemplar.None);
                    break;
            }
        }

        public void Clear()
        {
            switch (Volatile.Read(ref _collector))
            {
                case Gauge gauge:
                    foreach (var labels in gauge.GetAllLabelValues()) { gauge.RemoveLabelled(labels); }
                    break;
                case Counter counter:
                    foreach (var labels in counter.GetAllLabelValues()) { counter.RemoveLabelled(labels); }
                    break;
            }
        }

        private Collector? Create(MetricFactory factory, ReadOnlySpan<string> labelNames)
        {
            lock (_creating)
            {
                if (_collector is not null || _failed) { return _collector; }
                var name = Sanitize(_instrument.Name);
                var help = string.IsNullOrWhiteSpace(_instrument.Description) ? _instrument.Name : _instrument.Description;
                var labels = labelNames.ToArray();
                try
                {
                    _labelNames = labels;
                    Collector collector = _kind switch
                    {
                        Kind.Add or Kind.RaiseTo => factory.CreateCounter(name, help, labels, new CounterConfiguration { SuppressInitialValue = true }),
                        Kind.GaugeAdd or Kind.GaugeSet => factory.CreateGauge(name, help, labels, new GaugeConfiguration { SuppressInitialValue = true }),
                        _ => factory.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = Buckets(_instrument), SuppressInitialValue = true }),
                    };
                    Volatile.Write(ref _collector, collector);
                    return collector;
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // The name is taken by a collector of another type or other labels, or "le" is a tag of a histogram:
                    // this instrument stays out of the scrape rather than break it.
                    _failed = true;
                    return null;
                }
            }
        }

        private static double[] Buckets(Instrument instrument) =>
            (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries is { Count: > 0 } advised ? [.. advised.Order()] : DefaultBuckets;

        private static string Format(object? value) => value switch
        {
            string s => s,
            null => "",
            bool b => b ? "true" : "false",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };

        /// <summary>
        /// Names must match [a-zA-Z_][a-zA-Z0-9_]*; anything else, such as the dots of OpenTelemetry instrument names,
        /// becomes '_' (prometheus-net refuses such a name, and the instrument would be lost).
        /// </summary>
        private static string Sanitize(string name)
        {
            static bool Valid(char c, int i) => char.IsAsciiLetter(c) || c == '_' || (i > 0 && char.IsAsciiDigit(c));
            var i = 0;
            while (i < name.Length && Valid(name[i], i)) { i++; }
            if (i == name.Length && i > 0) { return name; }
            if (name.Length == 0) { return "_"; }
            var chars = name.ToCharArray();
            for (; i < chars.Length; i++)
            {
                if (!Valid(chars[i], i)) { chars[i] = '_'; }
            }

            return new string(chars);
        }
    }
}
