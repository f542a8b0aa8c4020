using Konnect.Gateway.Tls;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Yarp.ReverseProxy.Forwarder;

namespace Microsoft.Extensions.DependencyInjection;

public static class TlsServiceCollectionExtensions
{
    /// <summary>SNI certificate selection, https redirects and HSTS (upstream TLS is KonnectForwarderHttpClientFactory's).</summary>
    internal static IServiceCollection AddKonnectTls(this IServiceCollection services)
    {
        services.AddSingleton<CertificateSelector>();
        services.AddSingleton<HttpsHosts>();
        services.AddSingleton<HttpsPort>();
        return services;
    }
}
