using Konnect.Gateway.Resilience;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ResilienceServiceCollectionExtensions
{
    /// <summary>Konnect's health policies; retries and breakers go on clusters through KonnectForwarderHttpClientFactory.</summary>
    public static IServiceCollection AddKonnectResilience(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CircuitBreakerRegistry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IActiveHealthCheckPolicy, ThresholdActiveHealthPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPassiveHealthCheckPolicy, ConsecutiveFailuresPassivePolicy>());
        return services;
    }
}
