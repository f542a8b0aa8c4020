using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace Konnect.Gateway.Metrics;

/// <summary>
/// The state of one instrument: one cell per label combination. Measurements arrive on request threads, so a cell is
/// found without allocating when it exists (a per-thread scratch key) and updated with interlocked operations.
/// </summary>
internal sealed class InstrumentSeries
{
    private enum Aggregation { Sum, LastValue, Buckets }

    [ThreadStatic] private static string[]?[]? t_scratch;

    private readonly ConcurrentDictionary<string[], Cell> _cells = new(LabelKeyComparer.Instance);
    private readonly Aggregation _aggregation;
    private readonly double[] _bounds;

    private InstrumentSeries(string name, string help, MetricType type, Aggregation aggregation, bool observable, double[] bounds)
    {
        Name = name;
        Help = help;
        Type = type;
        _aggregation = aggregation;
        IsObservable = observable;
        _bounds = bounds;
    }

    public string Name { get; }

    public string Help { get; }

    public MetricType Type { get; }

    public bool IsObservable { get; }

    public static InstrumentSeries? Create(Instrument instrument)
    {
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description;
        var generic = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
        if (generic == typeof(Counter<>)) { return new(instrument.Name, help, MetricType.Counter, Aggregation.Sum, false, []); }
        if (generic == typeof(UpDownCounter<>)) { return new(instrument.Name, help, MetricType.Gauge, Aggregation.Sum, false, []); }
        if (generic == typeof(Gauge<>)) { return new(instrument.Name, help, MetricType.Gauge, Aggregation.LastValue, false, []); }
        if (generic == typeof(ObservableCounter<>)) { return new(instrument.Name, help, MetricType.Counter, Aggregation.LastValue, true, []); }
        if (generic == typeof(ObservableGauge<>) || generic == typeof(ObservableUpDownCounter<>))
        {
            return new(instrument.Name, help, MetricType.Gauge, Aggregation.LastValue, true, []);
        }

        if (generic == typeof(Histogram<>))
        {
            var bounds = (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries is { Count: > 0 } advised
                ? [.. advised.Order()]
                : MetricsAggregator.DefaultBuckets;
            return new(instrument.Name, help, MetricType.Histogram, Aggregation.Buckets, false, bounds);
        }

        return null;
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var cell = Find(tags);
        switch (_aggregation)
        {
            case Aggregation.Sum:
                cell.Add(value);
                break;
            case Aggregation.LastValue:
                cell.Set(value);
                break;
            default:
                cell.Observe(value, _bounds);
                break;
        }
    }

    public void Clear() => _cells.Clear();

    public void Snapshot(List<MetricSeries> into)
    {
        foreach (var (key, cell) in _cells)
        {
            var labels = new KeyValuePair<string, string>[key.Length / 2];
            for (var i = 0; i < labels.Length; i++) { labels[i] = new(key[2 * i], key[(2 * i) + 1]); }
            into.Add(_aggregation == Aggregation.Buckets ? new MetricSeries(labels, 0, cell.Histogram(_bounds)) : new MetricSeries(labels, cell.Value));
        }
    }

    /// <summary>The cell for these tags, sorted by name into a reused scratch key; a copy is kept only for a new cell.</summary>
    private Cell Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var length = tags.Length * 2;
        var scratchByLength = t_scratch ??= new string[]?[17];
        var key = length < scratchByLength.Length ? (scratchByLength[length] ??= new string[length]) : new string[length];
        for (var i = 0; i < tags.Length; i++)
        {
            // Insertion sort by label name: a handful of tags, usually already in order.
            var name = tags[i].Key;
            var text = Format(tags[i].Value);
            var j = i;
            while (j > 0 && string.CompareOrdinal(key[(2 * j) - 2], name) > 0)
            {
                key[2 * j] = key[(2 * j) - 2];
                key[(2 * j) + 1] = key[(2 * j) - 1];
                j--;
            }

            key[2 * j] = name;
            key[(2 * j) + 1] = text;
        }

        if (_cells.TryGetValue(key, out var cell))
        {
            return cell;
        }

        return _cells.GetOrAdd((string[])key.Clone(), static (_, histogram) => new Cell(histogram), _aggregation == Aggregation.Buckets ? _bounds.Length + 1 : 0);
    }

    private static string Format(object? value) => value switch
    {
        string s => s,
        null => "",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private sealed class Cell(int buckets)
    {
        private readonly long[] _buckets = new long[buckets];
        private double _value;

        public double Value => Volatile.Read(ref _value);

        public void Add(double delta)
        {
            double current, updated;
            do
            {
                current = Volatile.Read(ref _value);
                updated = current + delta;
            }
            while (Interlocked.CompareExchange(ref _value, updated, current) != current);
        }

        public void Set(double value) => Volatile.Write(ref _value, value);

        public void Observe(double value, double[] bounds)
        {
            var index = 0;
            while (index < bounds.Length && value > bounds[index]) { index++; }
            Interlocked.Increment(ref _buckets[index]);
            Add(value); // _value is the sum
        }

        /// <summary>Counts are read bucket by bucket and the total derived from them, so +Inf always equals _count.</summary>
        public HistogramData Histogram(double[] bounds)
        {
            var cumulative = new long[bounds.Length];
            long running = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                running += Interlocked.Read(ref _buckets[i]);
                cumulative[i] = running;
            }

            running += Interlocked.Read(ref _buckets[bounds.Length]);
            return new HistogramData(bounds, cumulative, Value, running);
        }
    }

    private sealed class LabelKeyComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelKeyComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] key)
        {
            var hash = new HashCode();
            foreach (var part in key) { hash.Add(part, StringComparer.Ordinal); }
            return hash.ToHashCode();
        }
    }
}
