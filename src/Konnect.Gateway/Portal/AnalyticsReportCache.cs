using System.Collections.Concurrent;
using Konnect.Gateway.Observability.Analytics;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Portal;

/// <summary>
/// Reports for a few seconds: building one scans every series of the window (up to the memory limit's worth), and the
/// portal answers anyone who can reach it, so a page reloaded in a loop must not rescan each time. Figures are at most
/// <see cref="Lifetime"/> old.
/// </summary>
internal sealed class AnalyticsReportCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private const int MaxEntries = 1_000;

    private readonly ConcurrentDictionary<(string Api, string Window, AnalyticsFilter Filter, bool Consumers), (AnalyticsReport Report, long Built)> _entries = new();

    public AnalyticsReport Get(CallAnalytics analytics, PortalApi api, IQueryCollection query, bool showConsumers)
    {
        var window = PortalAnalytics.Window(query);
        var filter = PortalAnalytics.Filter(query);
        // A viewer who may not see consumers may not filter by one either: the figures would tell who calls.
        if (!showConsumers) { filter = filter with { Consumer = null }; }
        var key = ($"{api.Namespace}/{api.Name}", window.Name, filter, showConsumers);
        var now = Environment.TickCount64;
        if (_entries.TryGetValue(key, out var entry) && now - entry.Built < Lifetime.TotalMilliseconds) { return entry.Report; }
        var report = PortalAnalytics.Report(analytics, api, window.Span, filter);
        if (!showConsumers) { report = report with { TopConsumers = [] }; }
        if (_entries.Count >= MaxEntries) { _entries.Clear(); }
        _entries[key] = (report, now);
        return report;
    }
}
