using System.Security.Cryptography.X509Certificates;

namespace Konnect.Kubernetes.Config;

/// <summary>
/// Where the API server is and how to authenticate to it, from a kubeconfig or the pod's service account.
/// <see cref="ToString"/> never shows the token or the client key.
/// </summary>
public sealed record KubeConfig
{
    /// <summary>The API server, e.g. https://10.96.0.1:443.</summary>
    public required Uri Server { get; init; }

    /// <summary>The CA bundle that signed the server's certificate; null trusts the system store.</summary>
    public X509Certificate2Collection? CertificateAuthority { get; init; }

    /// <summary>Skip server certificate validation (kubeconfig insecure-skip-tls-verify). Callers must warn loudly.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name to validate the server's certificate against when it differs from the URL host (tls-server-name).</summary>
    public string? TlsServerName { get; init; }

    /// <summary>A static bearer token. Prefer <see cref="TokenFile"/> when the token rotates.</summary>
    public string? Token { get; init; }

    /// <summary>A file holding the bearer token; re-read when it changes (projected service-account tokens rotate hourly).</summary>
    public string? TokenFile { get; init; }

    /// <summary>The client certificate with its private key, for certificate authentication.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>The namespace of the context, or of the pod; null when none was given.</summary>
    public string? Namespace { get; init; }

    /// <summary>Where this came from ("kubeconfig /home/me/.kube/config, context kind-dev" or "in-cluster"), for logs.</summary>
    public string Source { get; init; } = "";

    public override string ToString()
    {
        var auth = TokenFile is not null ? $"token file {TokenFile}"
            : Token is not null ? "bearer token (redacted)"
            : ClientCertificate is not null ? $"client certificate {ClientCertificate.Subject}"
            : "no credentials";
        return $"{Server} ({Source}; {auth}{(InsecureSkipTlsVerify ? "; TLS verification DISABLED" : "")})";
    }
}

/// <summary>No usable configuration, or a broken one; the message names the file, the entry and what is missing.</summary>
public sealed class KubeConfigException : Exception
{
    public KubeConfigException() { }
    public KubeConfigException(string message) : base(message) { }
    public KubeConfigException(string message, Exception inner) : base(message, inner) { }
}
