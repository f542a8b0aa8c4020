using k8s;
using IKubernetesObject = Konnect.Api.Kubernetes.IKubernetesObject;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Konnect.Kubernetes.Watching;

/// <summary>
/// What the reflectors see, for /metrics: events per kind and type, and restarts (relists and retries) per reason.
/// A static meter: the client knows no DI, and one process watches each kind once.
/// </summary>
internal static class WatchMetrics
{
    private static readonly Meter Meter = new("Konnect.Kubernetes.Watching");

    private static readonly Counter<long> Events = Meter.CreateCounter<long>("konnect_watch_events_total",
        description: "Watch events received from the API server, by kind and event type.");

    private static readonly Counter<long> Restarts = Meter.CreateCounter<long>("konnect_watch_restarts_total",
        description: "Watches restarted, by kind and reason (Gone: relist after 410; Unreachable, an HTTP status or an error type: retry after backoff).");

    public static void Event(string kind, WatchEventType type) => Events.Add(1, new TagList
    {
        { "kind", kind },
        { "type", type switch { WatchEventType.Added => "ADDED", WatchEventType.Modified => "MODIFIED", WatchEventType.Deleted => "DELETED", _ => "BOOKMARK" } },
    });

    public static void Restarted(string kind, string reason) => Restarts.Add(1, new TagList { { "kind", kind }, { "reason", reason } });
}
