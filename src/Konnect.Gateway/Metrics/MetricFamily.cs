namespace Konnect.Gateway.Metrics;

/// <summary>How a family's samples are to be read: a total that only grows, a value that goes both ways, or buckets.</summary>
public enum MetricType { Counter, Gauge, Histogram }

/// <summary>
/// One metric name at one scrape: its help text, type and every label combination seen. What an exposition format
/// serializes; built by <see cref="MetricsAggregator"/>, already sorted (families by name, series by labels).
/// </summary>
public sealed record MetricFamily(string Name, string Help, MetricType Type, IReadOnlyList<MetricSeries> Series);

/// <summary>
/// One label combination of a family. Counters and gauges carry <see cref="Value"/>; histograms carry
/// <see cref="Histogram"/>.
/// </summary>
public sealed record MetricSeries(IReadOnlyList<KeyValuePair<string, string>> Labels, double Value, HistogramData? Histogram = null);

/// <summary>
/// A histogram's state: upper bounds (without +Inf) and the CUMULATIVE count of observations at or below each bound,
/// so <c>CumulativeCounts[^1] &lt;= Count</c>; the +Inf bucket is <see cref="Count"/>.
/// </summary>
public sealed record HistogramData(IReadOnlyList<double> Bounds, IReadOnlyList<long> CumulativeCounts, double Sum, long Count);
