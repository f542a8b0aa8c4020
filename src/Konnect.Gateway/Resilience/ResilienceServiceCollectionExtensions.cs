using Konnect.Gateway.LoadBalancing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Konnect.Gateway.Resilience;

internal static class ResilienceServiceCollectionExtensions
{
    /// <summary>
    /// The breakers' registry and clock, and where retries go; retries and breakers go on clusters through
    /// KonnectForwarderHttpClientFactory.
    /// </summary>
    public static IServiceCollection AddKonnectResilience(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CircuitBreakerRegistry>();
        services.TryAddSingleton<RetryDestinations>();
        services.TryAddSingleton<RetryTargets>();
        return services;
    }
}
