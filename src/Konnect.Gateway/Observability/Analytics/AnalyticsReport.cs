namespace Konnect.Gateway.Observability.Analytics;

/// <summary>
/// An API's calls over a window, from <see cref="CallAnalytics"/>: a point per minute that had calls, the totals, and
/// the top consumers and errors. Latency percentiles come from the merged histograms, interpolated within a bucket as
/// Prometheus' histogram_quantile does, so they are as fine as the buckets (1 ms, 2.5, 5, 10, 25, 50, 100 ms, ...).
/// </summary>
internal sealed record AnalyticsReport
{
    public required string Api { get; init; }
    public required DateTimeOffset From { get; init; }
    public required DateTimeOffset To { get; init; }
    /// <summary>Set when the memory budget dropped minutes that are inside the window: data starts here.</summary>
    public DateTimeOffset? DataFrom { get; init; }
    public required AnalyticsFigures Totals { get; init; }
    public required IReadOnlyList<AnalyticsPoint> Minutes { get; init; }
    public required IReadOnlyList<ConsumerCalls> TopConsumers { get; init; }
    public required IReadOnlyList<ErrorCalls> TopErrors { get; init; }

    public const int Top = 10;

    /// <param name="routes">The API's routes ("namespace/route"), each with its version.</param>
    /// <param name="window">Whole minutes: the current one and those before it.</param>
    public static AnalyticsReport Build(CallAnalytics analytics, string api, IReadOnlyDictionary<string, string> routes, TimeSpan window, AnalyticsFilter filter)
    {
        var to = analytics.Now;
        var from = DateTimeOffset.FromUnixTimeSeconds((CallAnalytics.UnixMinute(to) - (long)window.TotalMinutes + 1) * 60);
        var points = new List<AnalyticsPoint>();
        var total = new Accumulator();
        var consumers = new Dictionary<string, Accumulator>(StringComparer.Ordinal);
        var errors = new Dictionary<(int, string?), long>();
        foreach (var minute in analytics.Since(from))
        {
            var point = new Accumulator();
            foreach (var (key, series) in minute.Series)
            {
                if (!routes.TryGetValue(key.Route, out var version) || !filter.Matches(key, version)) { continue; }
                point.Add(key, series);
                total.Add(key, series);
                var consumer = consumers.TryGetValue(key.Consumer, out var c) ? c : consumers[key.Consumer] = new Accumulator();
                consumer.Add(key, series);
                if (key.Status >= 400)
                {
                    errors[(key.Status, key.Problem)] = errors.GetValueOrDefault((key.Status, key.Problem)) + series.Requests;
                }
            }
            if (point.Requests > 0) { points.Add(new AnalyticsPoint(minute.Time, point.Figures())); }
        }
        return new AnalyticsReport
        {
            Api = api,
            From = from,
            To = to,
            DataFrom = analytics.DataFrom is { } dataFrom && dataFrom > from ? dataFrom : null,
            Totals = total.Figures(),
            Minutes = points,
            TopConsumers = [.. consumers.OrderByDescending(c => c.Value.Requests).ThenBy(c => c.Key, StringComparer.Ordinal).Take(Top)
                .Select(c => new ConsumerCalls(c.Key.Length == 0 ? null : c.Key, c.Value.Figures()))],
            TopErrors = [.. errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key.Item1).Take(Top)
                .Select(e => new ErrorCalls(e.Key.Item1, e.Key.Item2, e.Value))],
        };
    }

    private sealed class Accumulator
    {
        private readonly long[] _latency = new long[AnalyticsSeries.Bounds.Length + 1];
        private readonly long[] _classes = new long[6];
        public long Requests;
        private long _errors, _bytesIn, _bytesOut, _tokensIn, _tokensOut, _cost;

        public void Add(SeriesKey key, AnalyticsSeries series)
        {
            var requests = series.Requests;
            Requests += requests;
            if (key.Status >= 400) { _errors += requests; }
            _classes[Math.Clamp(key.Status / 100, 0, 5)] += requests;
            _bytesIn += series.BytesIn;
            _bytesOut += series.BytesOut;
            _tokensIn += series.TokensIn;
            _tokensOut += series.TokensOut;
            _cost += series.CostMicros;
            series.AddLatency(_latency);
        }

        public AnalyticsFigures Figures() => new(Requests, _errors, _classes[2], _classes[3], _classes[4], _classes[5],
            Quantile(0.50), Quantile(0.95), Quantile(0.99), _bytesIn, _bytesOut, _tokensIn, _tokensOut, _cost / 1_000_000m);

        private double? Quantile(double q)
        {
            var count = _latency.Sum();
            if (count == 0) { return null; }
            var rank = q * count;
            long seen = 0;
            for (var i = 0; i < _latency.Length; i++)
            {
                if (seen + _latency[i] >= rank && _latency[i] > 0)
                {
                    var lower = i == 0 ? 0 : AnalyticsSeries.Bounds[i - 1];
                    // Past the last bound there is nothing to interpolate to: the last bound is the answer's floor.
                    if (i == AnalyticsSeries.Bounds.Length) { return lower * 1000; }
                    var upper = AnalyticsSeries.Bounds[i];
                    return Math.Round((lower + (upper - lower) * ((rank - seen) / _latency[i])) * 1000, 3);
                }
                seen += _latency[i];
            }
            return AnalyticsSeries.Bounds[^1] * 1000;
        }
    }
}

/// <summary>Which calls a report counts: one version, one consumer, one status class (2 to 5); null for all.</summary>
internal sealed record AnalyticsFilter(string? Version, string? Consumer, int? StatusClass)
{
    public static readonly AnalyticsFilter All = new(null, null, null);

    public bool Matches(SeriesKey key, string version) =>
        (Version is null || string.Equals(Version, version, StringComparison.Ordinal))
        && (Consumer is null || string.Equals(Consumer, key.Consumer, StringComparison.Ordinal))
        && (StatusClass is null || key.Status / 100 == StatusClass);
}

/// <param name="Cost">In the currency of the route's AI prices; 0 without AI calls.</param>
internal sealed record AnalyticsFigures(long Requests, long Errors, long Status2xx, long Status3xx, long Status4xx, long Status5xx,
    double? P50Ms, double? P95Ms, double? P99Ms, long BytesIn, long BytesOut, long TokensIn, long TokensOut, decimal Cost);

internal sealed record AnalyticsPoint(DateTimeOffset Minute, AnalyticsFigures Figures);

/// <param name="Consumer">namespace/name; null for calls without one.</param>
internal sealed record ConsumerCalls(string? Consumer, AnalyticsFigures Figures);

/// <param name="Problem">The gateway's own refusal (e.g. rate-limited, unauthorized); null when the upstream answered so.</param>
internal sealed record ErrorCalls(int Status, string? Problem, long Requests);
