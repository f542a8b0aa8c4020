using System.Collections.Concurrent;

namespace Konnect.Gateway.Observability.Analytics;

/// <summary>
/// Call analytics for the developer portal: every call to a listed API, counted per minute for the last 24 hours by
/// route, consumer, status and the gateway's refusal (if any), with requests, latency (a histogram), bytes, AI tokens
/// and cost. Recording is a dictionary lookup and a few interlocked adds on the request's own series.
/// <para>
/// Memory is bounded by a byte budget, not by the window: each series of a minute counts as <see cref="SeriesBytes"/>;
/// when a new series would pass the budget the oldest minutes are dropped (the window shortens, and reports say from
/// when they hold data), and when only the current minute is left a new consumer is folded into "(other)". Long-term
/// history is Prometheus' job.
/// </para>
/// </summary>
internal sealed class CallAnalytics(long budgetBytes, TimeProvider clock)
{
    public const int Minutes = 24 * 60;

    /// <summary>What one series of one minute costs: its object (counters and histogram) and its dictionary entry.</summary>
    public const int SeriesBytes = 256;

    /// <summary>The consumer a series is folded into once the budget is spent.</summary>
    public const string OtherConsumers = "(other)";

    private readonly AnalyticsMinute?[] _ring = new AnalyticsMinute?[Minutes];
    private readonly Lock _rotation = new();
    private long _bytes;
    // The Unix minute from which data is whole after minutes were dropped for the budget; 0 when none was.
    private long _dataFrom;

    /// <summary>The budget, in bytes.</summary>
    public long Budget { get; } = budgetBytes;

    /// <summary>What the series held now cost.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>
    /// When minutes were dropped early to stay within the budget: the time from which the data is whole (the end of the
    /// newest minute dropped). Null when none was, or once that minute would have left the 24 hours anyway.
    /// </summary>
    public DateTimeOffset? DataFrom
    {
        get
        {
            var minute = Volatile.Read(ref _dataFrom);
            return minute > UnixMinute(clock.GetUtcNow()) - Minutes ? DateTimeOffset.FromUnixTimeSeconds(minute * 60) : null;
        }
    }

    public void Record(string route, string? consumer, int status, string? problem, double seconds, long bytesIn, long bytesOut,
        long tokensIn = 0, long tokensOut = 0, long costMicros = 0)
    {
        var minute = Current();
        var key = new SeriesKey(route, consumer ?? "", (short)status, problem);
        if (!minute.Series.TryGetValue(key, out var series))
        {
            series = Add(minute, key);
        }
        series.Record(seconds, bytesIn, bytesOut, tokensIn, tokensOut, costMicros);
    }

    /// <summary>The minutes from <paramref name="from"/> (inclusive) on, oldest first.</summary>
    public IEnumerable<AnalyticsMinute> Since(DateTimeOffset from)
    {
        var first = Math.Max(UnixMinute(from), UnixMinute(clock.GetUtcNow()) - Minutes + 1);
        foreach (var minute in _ring.OfType<AnalyticsMinute>().Where(m => m.Start >= first).OrderBy(m => m.Start))
        {
            yield return minute;
        }
    }

    public DateTimeOffset Now => clock.GetUtcNow();

    private AnalyticsMinute Current()
    {
        var now = UnixMinute(clock.GetUtcNow());
        var slot = (int)(now % Minutes);
        var minute = Volatile.Read(ref _ring[slot]);
        if (minute is not null && minute.Start == now) { return minute; }
        lock (_rotation)
        {
            minute = _ring[slot];
            if (minute is not null && minute.Start == now) { return minute; }
            // The slot's previous minute is a day old (or older, after a quiet spell): its series go with it.
            minute = new AnalyticsMinute(now);
            Volatile.Write(ref _ring[slot], minute);
            Recount();
            return minute;
        }
    }

    private AnalyticsSeries Add(AnalyticsMinute minute, SeriesKey key)
    {
        if (Interlocked.Read(ref _bytes) + SeriesBytes > Budget && !TrimOldest(minute))
        {
            // Only this minute is left and it is full: fold the consumer, so that the route's figures stay whole.
            key = key with { Consumer = OtherConsumers };
            if (minute.Series.TryGetValue(key, out var folded)) { return folded; }
        }
        var series = new AnalyticsSeries();
        var added = minute.Series.GetOrAdd(key, series);
        if (ReferenceEquals(added, series))
        {
            Interlocked.Add(ref minute.Bytes, SeriesBytes);
            Interlocked.Add(ref _bytes, SeriesBytes);
        }
        return added;
    }

    /// <summary>
    /// Drops the oldest minute older than <paramref name="current"/>; false when there is none. Only older ones: a caller
    /// still on a minute that has just ended must not drop the one that began.
    /// </summary>
    private bool TrimOldest(AnalyticsMinute current)
    {
        lock (_rotation)
        {
            AnalyticsMinute? oldest = null;
            var at = -1;
            for (var i = 0; i < _ring.Length; i++)
            {
                if (_ring[i] is { } m && m.Start < current.Start && (oldest is null || m.Start < oldest.Start)) { oldest = m; at = i; }
            }
            if (oldest is null) { return false; }
            Volatile.Write(ref _ring[at], null);
            Volatile.Write(ref _dataFrom, Math.Max(Volatile.Read(ref _dataFrom), oldest.Start + 1));
            Recount();
            return true;
        }
    }

    /// <summary>
    /// Sets the total from the minutes held. Adding a series counts it outside the lock, so a minute dropped at that very
    /// moment could leave its series counted: recounting whenever minutes go keeps the total from drifting.
    /// </summary>
    private void Recount()
    {
        long bytes = 0;
        foreach (var minute in _ring)
        {
            if (minute is not null) { bytes += Interlocked.Read(ref minute.Bytes); }
        }
        Interlocked.Exchange(ref _bytes, bytes);
    }

    internal static long UnixMinute(DateTimeOffset time) => time.ToUnixTimeSeconds() / 60;
}

/// <summary>What a series is counted by: the route ("namespace/name"), consumer ("" for none), status and refusal.</summary>
internal readonly record struct SeriesKey(string Route, string Consumer, short Status, string? Problem);

/// <summary>One minute: its series, created as calls arrive.</summary>
internal sealed class AnalyticsMinute(long start)
{
    /// <summary>Minutes since the Unix epoch.</summary>
    public long Start { get; } = start;
    public ConcurrentDictionary<SeriesKey, AnalyticsSeries> Series { get; } = new();
    public long Bytes;

    public DateTimeOffset Time => DateTimeOffset.FromUnixTimeSeconds(Start * 60);
}

/// <summary>One series' figures for one minute, added to with interlocked operations (no lock on the request path).</summary>
internal sealed class AnalyticsSeries
{
    /// <summary>Upper bounds of the latency buckets, in seconds; the last bucket has none.</summary>
    public static readonly double[] Bounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly int[] _latency = new int[Bounds.Length + 1];
    private int _requests;
    private long _bytesIn, _bytesOut, _tokensIn, _tokensOut, _costMicros;

    public int Requests => Volatile.Read(ref _requests);
    public long BytesIn => Interlocked.Read(ref _bytesIn);
    public long BytesOut => Interlocked.Read(ref _bytesOut);
    public long TokensIn => Interlocked.Read(ref _tokensIn);
    public long TokensOut => Interlocked.Read(ref _tokensOut);
    public long CostMicros => Interlocked.Read(ref _costMicros);

    public void Record(double seconds, long bytesIn, long bytesOut, long tokensIn, long tokensOut, long costMicros)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _latency[Bucket(seconds)]);
        if (bytesIn > 0) { Interlocked.Add(ref _bytesIn, bytesIn); }
        if (bytesOut > 0) { Interlocked.Add(ref _bytesOut, bytesOut); }
        if (tokensIn > 0) { Interlocked.Add(ref _tokensIn, tokensIn); }
        if (tokensOut > 0) { Interlocked.Add(ref _tokensOut, tokensOut); }
        if (costMicros > 0) { Interlocked.Add(ref _costMicros, costMicros); }
    }

    /// <summary>Adds this series' latency counts into <paramref name="histogram"/>.</summary>
    public void AddLatency(long[] histogram)
    {
        for (var i = 0; i < _latency.Length; i++) { histogram[i] += Volatile.Read(ref _latency[i]); }
    }

    private static int Bucket(double seconds)
    {
        var i = 0;
        while (i < Bounds.Length && seconds > Bounds[i]) { i++; }
        return i;
    }
}
