using Konnect.Model;
using Konnect.Gateway.Resilience;
using Prometheus;

namespace Konnect.Gateway.Observability.Metrics;

/// <summary>
/// konnect_circuit_open{namespace,route,backend}: 1 while a circuitBreaker refuses the backend's requests, else 0.
/// Read at scrape time; a backend appears once it has had a request. Polly moves an open breaker to half-open only
/// when the next request arrives, so a quiet backend reads 1 until something probes it.
/// </summary>
internal static class CircuitOpenGauge
{
    public static ObservedGauge Create(MetricFactory factory, CircuitBreakerRegistry breakers, GatewayState state) =>
        ObservedGauge.Create(factory, "konnect_circuit_open",
            "1 while the circuit breaker of the backend is open (requests answered 503 circuit-open), else 0.",
            ["backend", "namespace", "route"], gauge => Observe(gauge, breakers, state));

    private static void Observe(ObservedGauge gauge, CircuitBreakerRegistry breakers, GatewayState state)
    {
        var routes = (state.AppliedModel ?? GatewayModel.Empty).Routes.ToDictionary(r => r.Id, StringComparer.Ordinal);
        // Two rules of a route may share a backend: one series, open if either breaker is.
        var open = new Dictionary<(string Ns, string Route, string Backend), int>();
        foreach (var (cluster, backend, isOpen) in breakers.States())
        {
            // Breakers are keyed by the destination id's backend tag (see ResilienceHandler).
            if (!routes.TryGetValue(cluster, out var route) || !DestinationId.TryParseBackendTag(backend, out var index)
                || index >= route.Backends.Count) { continue; }
            var key = (route.Namespace, route.Route, route.Backends[index].Name);
            open[key] = Math.Max(isOpen ? 1 : 0, open.GetValueOrDefault(key));
        }

        foreach (var ((ns, route, backend), value) in open)
        {
            gauge.Set(value, [backend, ns, route]);
        }
    }
}
