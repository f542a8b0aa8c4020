using k8s;

namespace Konnect.Kubernetes.Config;

/// <summary>
/// Where the API server is and how to authenticate to it: KubernetesClient's configuration, built from a kubeconfig
/// or the pod's service account by <see cref="KubeConfigLoader"/>, plus where it came from. <see cref="ToString"/>
/// never shows a token, a password or a client key.
/// </summary>
public sealed record KubeConfig(KubernetesClientConfiguration Client, string Source)
{
    /// <summary>The API server, e.g. https://10.96.0.1:443.</summary>
    public Uri Server => new(Client.Host);

    /// <summary>The namespace of the context, or of the pod; null when none was given.</summary>
    public string? Namespace => string.IsNullOrWhiteSpace(Client.Namespace) ? null : Client.Namespace.Trim();

    /// <summary>Server certificate validation is off (kubeconfig insecure-skip-tls-verify). Callers must warn loudly.</summary>
    public bool InsecureSkipTlsVerify => Client.SkipTlsVerify;

    public override string ToString()
    {
        var auth = Client.TokenProvider switch
        {
            ExecCredentialProvider exec => $"credential plugin {exec.Command}",
            k8s.Authentication.TokenFileAuth => "token file",
            not null => "token provider",
            null when !string.IsNullOrEmpty(Client.AccessToken) => "bearer token (redacted)",
            null when Client.ClientCertificateData is not null || Client.ClientCertificateFilePath is not null => "client certificate",
            _ => "no credentials",
        };
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
