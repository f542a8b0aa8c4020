using Konnect.Model;
using Prometheus;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Observability.Metrics;

/// <summary>
/// konnect_upstream_destination_healthy, read from YARP's live proxy state at scrape time: 1 unless an active or
/// passive health check has marked the destination unhealthy. One series per endpoint, so its cardinality follows the
/// number of pods behind the routes.
/// </summary>
internal static class DestinationHealthGauge
{
    public static ObservedGauge Create(MetricFactory factory, Func<IProxyStateLookup> proxy, GatewayState state) =>
        ObservedGauge.Create(factory, "konnect_upstream_destination_healthy",
            "1 while the upstream endpoint is considered healthy by the active and passive health checks, else 0.",
            ["backend", "destination", "namespace", "route"], gauge => Observe(gauge, proxy(), state));

    private static void Observe(ObservedGauge gauge, IProxyStateLookup proxy, GatewayState state)
    {
        var routes = (state.AppliedModel ?? GatewayModel.Empty).Routes.ToDictionary(r => r.Id, StringComparer.Ordinal);
        // Two rules of one route can send to the same endpoint: one series, unhealthy if either cluster says so.
        var healthy = new Dictionary<(string Ns, string Route, string Backend, string Destination), int>();
        foreach (var cluster in proxy.GetClusters())
        {
            if (!routes.TryGetValue(cluster.ClusterId, out var route)) { continue; }
            foreach (var destination in cluster.Destinations.Values)
            {
                if (!DestinationId.TryParseBackend(destination.DestinationId, out var index) || index >= route.Backends.Count) { continue; }
                var up = destination.Health.Active != DestinationHealth.Unhealthy && destination.Health.Passive != DestinationHealth.Unhealthy ? 1 : 0;
                var key = (route.Namespace, route.Route, route.Backends[index].Name, destination.Model.Config.Address);
                healthy[key] = Math.Min(up, healthy.GetValueOrDefault(key, 1));
            }
        }

        foreach (var ((ns, route, backend, address), value) in healthy)
        {
            gauge.Set(value, [backend, address, ns, route]);
        }
    }
}
