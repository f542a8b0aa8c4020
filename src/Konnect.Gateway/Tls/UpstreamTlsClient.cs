using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Konnect.Model;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Tls;

/// <summary>
/// backends[].tls.caSecret on the forwarder's client (see KonnectForwarderHttpClientFactory): a cluster whose metadata
/// carries a CA bundle trusts only that bundle. The host name is still checked by .NET against the SNI (the
/// destination's Host), so only the chain's anchor changes. A failed check fails the forward, which the gateway
/// answers with 502 problem+json. backends[].tls.clientCertificateSecret adds a client certificate, presented whenever
/// the upstream asks for one.
/// </summary>
internal static class UpstreamTlsClient
{
    public const string CaMetadataKey = "konnect.tls.ca";
    public const string ClientCertificateMetadataKey = "konnect.tls.client-crt";
    public const string ClientKeyMetadataKey = "konnect.tls.client-key";

    public static bool CanReuse(ForwarderHttpClientContext context) =>
        Same(context, CaMetadataKey) && Same(context, ClientCertificateMetadataKey) && Same(context, ClientKeyMetadataKey);

    /// <summary>Whether the cluster's handler carries a CA bundle or a client certificate, so it cannot be shared.</summary>
    public static bool NeedsOwnHandler(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null
        && (metadata.ContainsKey(CaMetadataKey) || metadata.ContainsKey(ClientCertificateMetadataKey) || metadata.ContainsKey(ClientKeyMetadataKey));

    private static bool Same(ForwarderHttpClientContext context, string key) =>
        string.Equals(context.OldMetadata?.GetValueOrDefault(key), context.NewMetadata?.GetValueOrDefault(key), StringComparison.Ordinal);

    public static void Configure(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        PresentClientCertificate(context, handler);
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
            // No AIA fetches: the upstream would choose where the gateway connects, synchronously in the handshake.
            custom.ChainPolicy.DisableCertificateDownloads = true;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements) { custom.ChainPolicy.ExtraStore.Add(element.Certificate); }
            }
            return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
    }

    private static void PresentClientCertificate(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        if (context.NewMetadata?.GetValueOrDefault(ClientCertificateMetadataKey) is not { Length: > 0 } crt
            || context.NewMetadata.GetValueOrDefault(ClientKeyMetadataKey) is not { Length: > 0 } key) { return; }
        // Built once per client: the client lives as long as its cluster's settings, so a rotated Secret (new
        // metadata) gets a new client and a new certificate. The controller validated the pair already.
        var certificate = X509Certificate2.CreateFromPem(crt, key);
        handler.SslOptions.ClientCertificates = [certificate];
        // Always offer it, even when the upstream's list of acceptable issuers does not name its CA (or is empty).
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
    }
}

/// <summary>The YARP cluster settings for a rule's https backends.</summary>
internal static class UpstreamTlsConfig
{
    /// <summary>Null when no backend of the rule uses TLS, or none asks for more than the system store.</summary>
    public static HttpClientConfig? HttpClient(RouteModel route) =>
        route.Backends.Any(b => b.Tls?.InsecureSkipVerify == true) ? new HttpClientConfig { DangerousAcceptAnyServerCertificate = true } : null;

    /// <summary>The rule's CA bundle and client certificate pair (TlsValidator makes its backends agree), or null.</summary>
    public static Dictionary<string, string>? Metadata(RouteModel route)
    {
        var metadata = new Dictionary<string, string>();
        if (route.Backends.Select(b => b.Tls?.CaPem).FirstOrDefault(p => p is not null) is { } pem)
        {
            metadata[UpstreamTlsClient.CaMetadataKey] = pem;
        }
        if (route.Backends.Select(b => b.Tls).FirstOrDefault(t => t?.ClientCertificatePem is not null) is { } client)
        {
            metadata[UpstreamTlsClient.ClientCertificateMetadataKey] = client.ClientCertificatePem!;
            metadata[UpstreamTlsClient.ClientKeyMetadataKey] = client.ClientKeyPem!;
        }
        return metadata.Count == 0 ? null : metadata;
    }
}
