using Konnect.Gateway.Observability.Analytics;

namespace Konnect.Gateway.Tests.Portal;

/// <summary>
/// The bound on call analytics' memory: past the budget the oldest minutes go first and reports say from when data
/// starts; when only the current minute is left, new consumers fold into "(other)" so each route's figures stay whole;
/// a minute is forgotten after 24 hours. Driven by a clock the test moves, on the store itself (no request needed).
/// </summary>
public sealed class CallAnalyticsTests
{
    private sealed class Clock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly DateTimeOffset Noon = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static long Requests(CallAnalytics analytics, TimeSpan window, string route = "shop/orders") =>
        AnalyticsReport.Build(analytics, "shop/orders", new Dictionary<string, string> { [route] = "v1" }, window, AnalyticsFilter.All).Totals.Requests;

    [Fact]
    public void PastTheBudget_OldestMinutesGoFirst_ReportSaysFromWhen()
    {
        var clock = new Clock(Noon);
        var analytics = new CallAnalytics(3 * CallAnalytics.SeriesBytes, clock);
        for (var minute = 0; minute < 5; minute++)
        {
            clock.Now = Noon.AddMinutes(minute);
            analytics.Record("shop/orders", "shop/acme", 200, null, 0.003, 10, 100);
        }

        Assert.Equal(3 * CallAnalytics.SeriesBytes, analytics.Bytes);
        Assert.Equal(3, Requests(analytics, TimeSpan.FromHours(1)));
        var report = AnalyticsReport.Build(analytics, "shop/orders", new Dictionary<string, string> { ["shop/orders"] = "v1" }, TimeSpan.FromHours(1), AnalyticsFilter.All);
        Assert.Equal(Noon.AddMinutes(2), report.DataFrom);
        Assert.Equal([Noon.AddMinutes(2), Noon.AddMinutes(3), Noon.AddMinutes(4)], report.Minutes.Select(m => m.Minute));
    }

    [Fact]
    public void OneMinuteFillsTheBudget_NewConsumersFoldIntoOther_RouteFiguresStayWhole()
    {
        var analytics = new CallAnalytics(2 * CallAnalytics.SeriesBytes, new Clock(Noon));
        foreach (var consumer in new[] { "a", "b", "c", "d", "c" })
        {
            analytics.Record("shop/orders", consumer, 200, null, 0.003, 0, 0);
        }

        var report = AnalyticsReport.Build(analytics, "shop/orders", new Dictionary<string, string> { ["shop/orders"] = "v1" }, TimeSpan.FromHours(1), AnalyticsFilter.All);
        Assert.Equal(5, report.Totals.Requests);
        Assert.Equal(["(other):3", "a:1", "b:1"], report.TopConsumers.Select(c => $"{c.Consumer}:{c.Figures.Requests}"));
        Assert.True(analytics.Bytes <= analytics.Budget + CallAnalytics.SeriesBytes);
    }

    [Fact]
    public void AfterADay_AMinuteIsForgotten_ItsMemoryReturned()
    {
        var clock = new Clock(Noon);
        var analytics = new CallAnalytics(1 << 20, clock);
        analytics.Record("shop/orders", null, 200, null, 0.003, 0, 0);
        clock.Now = Noon.AddHours(23).AddMinutes(59);
        Assert.Equal(1, Requests(analytics, TimeSpan.FromHours(24)));

        clock.Now = Noon.AddDays(1);
        analytics.Record("shop/orders", null, 200, null, 0.003, 0, 0);

        Assert.Equal(1, Requests(analytics, TimeSpan.FromHours(24)));
        Assert.Equal(CallAnalytics.SeriesBytes, analytics.Bytes);
    }

    [Fact]
    public void Percentiles_InterpolatedWithinTheirBucket()
    {
        var analytics = new CallAnalytics(1 << 20, new Clock(Noon));
        // 98 calls of 3 ms (the 2.5–5 ms bucket) and 2 of 400 ms (250–500 ms).
        for (var i = 0; i < 98; i++) { analytics.Record("shop/orders", null, 200, null, 0.003, 0, 0); }
        for (var i = 0; i < 2; i++) { analytics.Record("shop/orders", null, 200, null, 0.4, 0, 0); }

        var totals = AnalyticsReport.Build(analytics, "shop/orders", new Dictionary<string, string> { ["shop/orders"] = "v1" }, TimeSpan.FromHours(1), AnalyticsFilter.All).Totals;

        Assert.Equal(3.776, totals.P50Ms); // 2.5 + 2.5 × 50/98
        Assert.Equal(4.923, totals.P95Ms); // 2.5 + 2.5 × 95/98
        Assert.Equal(375, totals.P99Ms);   // 250 + 250 × (99 − 98)/2
    }
}
