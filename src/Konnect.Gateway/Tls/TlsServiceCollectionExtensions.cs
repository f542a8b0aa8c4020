using Konnect.Gateway.Tls;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;

namespace Microsoft.Extensions.DependencyInjection;

public static class TlsServiceCollectionExtensions
{
    /// <summary>SNI certificate selection, https redirects and HSTS, and the upstream TLS client factory.</summary>
    internal static IServiceCollection AddKonnectTls(this IServiceCollection services)
    {
        services.AddSingleton<CertificateSelector>();
        services.AddSingleton<HttpsHosts>();
        services.AddSingleton<HttpsPort>();
        // Registered before AddReverseProxy, which only adds its own factory when none is registered.
        services.TryAddSingleton<IForwarderHttpClientFactory, UpstreamTlsClientFactory>();
        return services;
    }
}
