using System.Text.Json;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Resilience;

/// <summary>
/// YARP's client factory, plus a <see cref="ResilienceHandler"/> on clusters whose metadata asks for retries or a
/// circuit breaker. A client (and with it the breaker state and retry budget) is kept while those settings are
/// unchanged, so a reload of other routes, or of this rule's endpoints, does not reset an open breaker.
/// </summary>
internal sealed class ResilientForwarderHttpClientFactory(ILogger<ForwarderHttpClientFactory> logger, TimeProvider time)
    : ForwarderHttpClientFactory(logger)
{
    protected override bool CanReuseOldClient(ForwarderHttpClientContext context) =>
        base.CanReuseOldClient(context)
        && Same(context.OldMetadata, context.NewMetadata, ResilienceClusterConfig.RetryKey)
        && Same(context.OldMetadata, context.NewMetadata, ResilienceClusterConfig.CircuitBreakerKey);

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        handler = base.WrapHandler(context, handler);
        var metadata = context.NewMetadata;
        var retry = metadata?.TryGetValue(ResilienceClusterConfig.RetryKey, out var r) == true
            ? JsonSerializer.Deserialize(r, ResilienceJsonContext.Default.RetryModel)
            : null;
        var breaker = metadata?.TryGetValue(ResilienceClusterConfig.CircuitBreakerKey, out var b) == true
            ? JsonSerializer.Deserialize(b, ResilienceJsonContext.Default.CircuitBreakerModel)
            : null;
        return retry is null && breaker is null ? handler : new ResilienceHandler(retry, breaker, time, handler);
    }

    private static bool Same(IReadOnlyDictionary<string, string>? old, IReadOnlyDictionary<string, string>? next, string key)
    {
        string? a = null, b = null;
        old?.TryGetValue(key, out a);
        next?.TryGetValue(key, out b);
        return string.Equals(a, b, StringComparison.Ordinal);
    }
}
