using Konnect.Gateway.Resilience;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Microsoft.Extensions.DependencyInjection;

internal static class ResilienceServiceCollectionExtensions
{
    /// <summary>
    /// Konnect's health policies and the client factory that puts retries and breakers on clusters. Call after
    /// AddReverseProxy: the factory replaces YARP's.
    /// </summary>
    public static IServiceCollection AddKonnectResilience(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory, ResilientForwarderHttpClientFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IActiveHealthCheckPolicy, ThresholdActiveHealthPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPassiveHealthCheckPolicy, ConsecutiveFailuresPassivePolicy>());
        return services;
    }
}
