using System.Text.Json;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// A <see cref="ResilienceHandler"/> on the forwarder's client (see KonnectForwarderHttpClientFactory) for clusters
/// whose metadata asks for retries or a circuit breaker. A client (and with it the breaker state and retry budget) is
/// kept while those settings are unchanged, so a reload of other routes, or of this rule's endpoints, does not reset
/// an open breaker.
/// </summary>
internal static class ResilientForwarderClient
{
    /// <summary>Cluster metadata: the rule's retry block, as JSON (Configuration's ResilienceClusterConfig writes it).</summary>
    public const string RetryKey = "konnect.retry";

    /// <summary>Cluster metadata: the rule's circuitBreaker block, as JSON.</summary>
    public const string CircuitBreakerKey = "konnect.circuitBreaker";

    public static bool CanReuse(ForwarderHttpClientContext context) =>
        Same(context.OldMetadata, context.NewMetadata, RetryKey)
        && Same(context.OldMetadata, context.NewMetadata, CircuitBreakerKey);

    public static HttpMessageHandler Wrap(ForwarderHttpClientContext context, HttpMessageHandler handler, TimeProvider time,
        CircuitBreakerRegistry? registry = null, RetryTargets? targets = null)
    {
        var metadata = context.NewMetadata;
        var retry = metadata?.TryGetValue(RetryKey, out var r) == true
            ? JsonSerializer.Deserialize(r, ResilienceJsonContext.Default.RetryModel)
            : null;
        var breaker = metadata?.TryGetValue(CircuitBreakerKey, out var b) == true
            ? JsonSerializer.Deserialize(b, ResilienceJsonContext.Default.CircuitBreakerModel)
            : null;
        return retry is null && breaker is null ? handler : new ResilienceHandler(retry, breaker, time, handler, context.ClusterId, registry, targets);
    }

    private static bool Same(IReadOnlyDictionary<string, string>? old, IReadOnlyDictionary<string, string>? next, string key)
    {
        string? a = null, b = null;
        old?.TryGetValue(key, out a);
        next?.TryGetValue(key, out b);
        return string.Equals(a, b, StringComparison.Ordinal);
    }
}
