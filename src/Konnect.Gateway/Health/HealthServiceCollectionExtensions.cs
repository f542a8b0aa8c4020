using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Health;

namespace Konnect.Gateway.Health;

internal static class HealthServiceCollectionExtensions
{
    /// <summary>Konnect's active and passive health policies, which clusters name in their health check config.</summary>
    public static IServiceCollection AddKonnectHealth(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IActiveHealthCheckPolicy, ThresholdActiveHealthPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPassiveHealthCheckPolicy, ConsecutiveFailuresPassivePolicy>());
        return services;
    }
}
