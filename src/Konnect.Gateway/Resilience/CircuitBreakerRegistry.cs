using System.Collections.Concurrent;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// The live breakers of each YARP cluster (one rule), for konnect_circuit_open. A cluster whose client is rebuilt
/// registers its new breakers over the old ones; clusters no longer in the applied model are skipped when observed.
/// </summary>
public sealed class CircuitBreakerRegistry
{
    private readonly ConcurrentDictionary<string, BackendBreakers> _byCluster = new(StringComparer.Ordinal);

    internal void Register(string clusterId, BackendBreakers breakers) => _byCluster[clusterId] = breakers;

    internal IEnumerable<(string ClusterId, string Backend, bool Open)> States() =>
        _byCluster.SelectMany(c => c.Value.States().Select(s => (c.Key, s.Backend, s.Open)));
}
