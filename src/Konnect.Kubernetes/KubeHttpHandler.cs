using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Konnect.Kubernetes.Config;

namespace Konnect.Kubernetes;

/// <summary>The connection settings to an API server: TLS trust, client certificate, pooling and HTTP/2 liveness.</summary>
internal static class KubeHttpHandler
{
    public static SocketsHttpHandler Create(KubeConfig config)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Idle connections are closed before typical load balancer idle timeouts (often 350 s or less) cut them silently.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            // Rotating connections spreads load across API server replicas after one restarts.
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            // The API server allows 100 concurrent streams per HTTP/2 connection; many watches need more connections.
            EnableMultipleHttp2Connections = true,
            // Pings detect a dead HTTP/2 connection under a long-lived watch that would otherwise hang until timeoutSeconds.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            AutomaticDecompression = System.Net.DecompressionMethods.GZip,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        if (!string.Equals(config.Server.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
        {
            return handler;
        }
        var ssl = new SslClientAuthenticationOptions();
        if (config.TlsServerName is not null)
        {
            ssl.TargetHost = config.TlsServerName;
        }
        if (config.InsecureSkipTlsVerify)
        {
            // The caller logs a loud warning; kubeconfig's insecure-skip-tls-verify is meant for throwaway clusters.
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (config.CertificateAuthority is { Count: > 0 } ca)
        {
            // The cluster CA is the only trust anchor: a certificate from a public CA must not be accepted for the API server.
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(ca);
            ssl.CertificateChainPolicy = policy;
        }
        if (config.ClientCertificate is { } clientCertificate)
        {
            ssl.ClientCertificates = [clientCertificate];
            // Send our certificate even when the server's acceptable-issuer list does not name its issuer.
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }
        handler.SslOptions = ssl;
        return handler;
    }
}
