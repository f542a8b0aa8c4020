using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Konnect.Controller.Model;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Tls;

/// <summary>
/// backends[].tls.caSecret on the forwarder's client (see KonnectForwarderHttpClientFactory): a cluster whose metadata
/// carries a CA bundle trusts only that bundle. The host name is still checked by .NET against the SNI (the
/// destination's Host), so only the chain's anchor changes. A failed check fails the forward, which the gateway
/// answers with 502 problem+json.
/// </summary>
internal static class UpstreamTlsClient
{
    public const string CaMetadataKey = "konnect.tls.ca";

    public static bool CanReuse(ForwarderHttpClientContext context) =>
        string.Equals(context.OldMetadata?.GetValueOrDefault(CaMetadataKey), context.NewMetadata?.GetValueOrDefault(CaMetadataKey), StringComparison.Ordinal);

    public static void Configure(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        if (context.NewConfig.DangerousAcceptAnyServerCertificate == true
            || context.NewMetadata?.GetValueOrDefault(CaMetadataKey) is not { Length: > 0 } pem) { return; }
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(pem);
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
        {
            // Name mismatch or no certificate: refused whatever the anchor. Only the chain is judged again below.
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) { return false; }
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(roots);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements) { custom.ChainPolicy.ExtraStore.Add(element.Certificate); }
            }
            return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
    }
}

/// <summary>The YARP cluster settings for a rule's https backends.</summary>
internal static class UpstreamTlsConfig
{
    /// <summary>Null when no backend of the rule uses TLS, or none asks for more than the system store.</summary>
    public static HttpClientConfig? HttpClient(RouteModel route) =>
        route.Backends.Any(b => b.Tls?.InsecureSkipVerify == true) ? new HttpClientConfig { DangerousAcceptAnyServerCertificate = true } : null;

    public static Dictionary<string, string>? Metadata(RouteModel route) =>
        route.Backends.Select(b => b.Tls?.CaPem).FirstOrDefault(p => p is not null) is { } pem
            ? new Dictionary<string, string> { [UpstreamTlsClient.CaMetadataKey] = pem }
            : null;
}
