using System.Globalization;

namespace Konnect.Bench.Scale;

/// <summary>The markdown tables `make bench` prints: each figure beside issue #9's target, and where the time goes.</summary>
public static class ScaleReport
{
    private const double RouteTargetAt1000 = 50, RouteTargetAt10000 = 200, EndpointTarget = 50, RssTargetMb = 200;

    public static void Print(TextWriter o, ScaleSettings settings, IReadOnlyList<RunResult> runs, Startup? quickStart)
    {
        o.WriteLine();
        o.WriteLine($"Konnect scale bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores; {settings.Changes} changes per kind, "
            + $"each polled every 1 ms until served, after {settings.Warmup} warm-up changes of each kind; {settings.RoutesPerHost} routes per host, 2 endpoints per route");
        o.WriteLine();
        o.WriteLine("| source | routes | hosts | route change p50 / p99 ms | target (p99) | endpoint change p50 / p99 ms | target (p99) | warm-up changes p50 / max ms |");
        o.WriteLine("| --- | ---: | ---: | ---: | --- | ---: | --- | ---: |");
        foreach (var r in runs.Where(r => r.RouteChanges.Count > 0))
        {
            var routeTarget = r.Routes >= 10_000 ? RouteTargetAt10000 : r.Routes >= 1_000 ? RouteTargetAt1000 : (double?)null;
            o.WriteLine($"| {r.Source} | {r.Routes:N0} | {r.Hosts:N0} | {Pair(r.RouteChanges)} | {Verdict(Stats.Percentile(r.RouteChanges, 99), routeTarget)} "
                + $"| {Pair(r.EndpointChanges)} | {Verdict(Stats.Percentile(r.EndpointChanges, 99), EndpointTarget)} "
                + $"| {(r.Warmup.Count == 0 ? "" : $"{Stats.Format(Stats.Percentile(r.Warmup, 50))} / {Stats.Format(Stats.Percentile(r.Warmup, 100))}")} |");
        }
        o.WriteLine();
        o.WriteLine("| source | routes | endpoints | RSS / heap MiB, right after the changes | RSS / heap MiB, at rest | target (RSS at rest, 10,000 routes) | RSS / heap MiB, after a request per route (open sockets) | target | start to /readyz 200 ms | start to first proxied 200 ms | start to last start-up pass ms |");
        o.WriteLine("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |");
        if (quickStart is not null)
        {
            o.WriteLine($"| folder | 3 (quick-start size) | 6 | | | | | | {quickStart.ReadyMs:F0} | {quickStart.FirstProxiedMs:F0} | {quickStart.SettledMs:F0} |");
        }
        foreach (var r in runs)
        {
            string Target(Memory? m) => r.Routes >= 10_000 && m is not null ? Verdict(m.ResidentBytes / 1048576.0, RssTargetMb, "MiB") : "";
            string Cell(Memory? m) => m is null ? "" : $"{Mb(m.ResidentBytes)} / {Mb(m.ManagedHeapBytes)}";
            var sockets = r.AfterTraffic is { } t ? $" ({t.Sockets})" : "";
            o.WriteLine($"| {r.Source} | {r.Routes:N0} | {2 * r.Routes:N0} | {Cell(r.AfterChanges)} | {Cell(r.Loaded)} | {Target(r.Loaded)} | {Cell(r.AfterTraffic)}{sockets} | {Target(r.AfterTraffic)} "
                + $"| {r.Startup.ReadyMs:F0} | {r.Startup.FirstProxiedMs:F0} | {r.Startup.SettledMs:F0} |");
        }
        o.WriteLine();
        o.WriteLine("Where a change's time goes (medians, ms): source = write to the reconcile pass starting (folder: file watch, 10 ms debounce,");
        o.WriteLine("re-reading the folder; stored = when the folder source stored the snapshot), translate = pass start to publish start,");
        o.WriteLine("publish = YARP config + validation + route table swap, to traffic = publish end to the first poll that saw it");
        o.WriteLine("(negative: YARP served the change, e.g. new destinations, before the publisher finished), status = publish end to");
        o.WriteLine("pass end (statuses, after traffic has the change).");
        o.WriteLine();
        o.WriteLine("| source | routes | change | end to end | source (stored) | translate | publish | to traffic | status |");
        o.WriteLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in runs.Where(r => r.RouteChanges.Count > 0))
        {
            foreach (var (kind, samples) in new[] { ("route", r.RouteChanges), ("endpoint", r.EndpointChanges) })
            {
                var stored = Stats.Median(samples, s => s.SourceStored);
                o.WriteLine($"| {r.Source} | {r.Routes:N0} | {kind} | {Stats.Format(Stats.Percentile(samples, 50))} | {Stats.Format(Stats.Median(samples, s => s.Source))}"
                    + $"{(double.IsNaN(stored) ? "" : $" ({Stats.Format(stored)})")} | {Stats.Format(Stats.Median(samples, s => s.Translate))} "
                    + $"| {Stats.Format(Stats.Median(samples, s => s.Publish))} | {Stats.Format(Stats.Median(samples, s => s.ToTraffic))} | {Stats.Format(Stats.Median(samples, s => s.Status))} |");
            }
        }
        var wrong = runs.Sum(r => r.WrongAnswers);
        o.WriteLine();
        o.WriteLine(wrong == 0 ? "Every route answered from the right upstream after the changes." : $"WRONG: {wrong} route(s) did not answer as expected after the changes.");
    }

    private static string Pair(IReadOnlyList<ChangeSample> samples) =>
        $"{Stats.Format(Stats.Percentile(samples, 50))} / {Stats.Format(Stats.Percentile(samples, 99))}";

    private static string Mb(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("F0", CultureInfo.InvariantCulture) : "n/a";

    private static string Verdict(double? value, double? target, string unit = "ms")
    {
        if (target is not { } t) { return "—"; }
        if (value is not { } v) { return $"≤ {t:F0} {unit}: **missed** (a change was never seen)"; }
        return v <= t ? $"≤ {t:F0} {unit}: met" : $"≤ {t:F0} {unit}: **missed by {v - t:F0} {unit}**";
    }
}
