using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tls;

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
