using System.Security.Cryptography.X509Certificates;

namespace Konnect.Kubernetes.Config;

/// <summary>
/// Finds the API server configuration the way kubectl and client-go do: an explicit kubeconfig, else the pod's
/// service account, else $KUBECONFIG, else ~/.kube/config.
/// </summary>
public static class KubeConfigLoader
{
    /// <summary>Where the kubelet mounts the service account's token, CA bundle and namespace in every pod.</summary>
    public const string ServiceAccountFolder = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>
    /// Loads the configuration: <paramref name="kubeconfigPath"/> when given; else in-cluster when
    /// KUBERNETES_SERVICE_HOST/PORT are set (and no <paramref name="context"/> asks for a kubeconfig); else the files
    /// in $KUBECONFIG (':'-separated, merged first-wins as kubectl does); else ~/.kube/config.
    /// </summary>
    /// <param name="environment">Reads environment variables; tests pass their own to stay parallel-safe.</param>
    /// <param name="serviceAccountFolder">Overrides <see cref="ServiceAccountFolder"/> (tests).</param>
    public static KubeConfig Load(
        string? kubeconfigPath = null,
        string? context = null,
        Func<string, string?>? environment = null,
        string? serviceAccountFolder = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        if (!string.IsNullOrEmpty(kubeconfigPath))
        {
            return FromKubeconfigFiles([kubeconfigPath], context);
        }
        if (context is null && HasInClusterVariables(environment))
        {
            return InCluster(serviceAccountFolder, environment);
        }
        var fromVariable = environment("KUBECONFIG");
        if (!string.IsNullOrWhiteSpace(fromVariable))
        {
            var files = fromVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return FromKubeconfigFiles(files, context);
        }
        var home = environment("HOME");
        if (string.IsNullOrEmpty(home))
        {
            home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        }
        var defaultPath = Path.Combine(home, ".kube", "config");
        if (File.Exists(defaultPath))
        {
            return FromKubeconfigFiles([defaultPath], context);
        }
        throw new KubeConfigException(
            "No Kubernetes configuration found: no --kubeconfig was given, KUBERNETES_SERVICE_HOST and " +
            "KUBERNETES_SERVICE_PORT are not set (not running in a pod), $KUBECONFIG is not set, and " +
            $"{defaultPath} does not exist. Pass --kubeconfig PATH, set KUBECONFIG, or run Konnect in a pod.");
    }

    /// <summary>Reads one kubeconfig file; <paramref name="context"/> overrides its current-context.</summary>
    public static KubeConfig FromKubeconfig(string path, string? context = null) => FromKubeconfigFiles([path], context);

    /// <summary>
    /// The pod's own identity: the API server from KUBERNETES_SERVICE_HOST/PORT, and the service account's token
    /// (re-read as it rotates), CA bundle and namespace from <paramref name="folder"/>.
    /// </summary>
    public static KubeConfig InCluster(string? folder = null, Func<string, string?>? environment = null)
    {
        folder ??= ServiceAccountFolder;
        environment ??= Environment.GetEnvironmentVariable;
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrWhiteSpace(host) || string.IsNullOrWhiteSpace(port))
        {
            var missing = string.IsNullOrWhiteSpace(host) ? "KUBERNETES_SERVICE_HOST" : "KUBERNETES_SERVICE_PORT";
            throw new KubeConfigException($"In-cluster configuration needs {missing}, which is not set: Konnect is not running in a pod. Pass --kubeconfig PATH instead.");
        }
        if (!int.TryParse(port, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubeConfigException($"KUBERNETES_SERVICE_PORT is '{port}', which is not a port number.");
        }
        var tokenFile = Path.Combine(folder, "token");
        if (!File.Exists(tokenFile))
        {
            throw new KubeConfigException(
                $"In-cluster configuration needs the service-account token {tokenFile}, which does not exist. " +
                "Check that the pod's service account token is mounted (automountServiceAccountToken is not false).");
        }
        var caFile = Path.Combine(folder, "ca.crt");
        if (!File.Exists(caFile))
        {
            throw new KubeConfigException($"In-cluster configuration needs the cluster CA bundle {caFile}, which does not exist.");
        }
        var namespaceFile = Path.Combine(folder, "namespace");
        // An IPv6 service host must be bracketed in a URL.
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host.Trim('[', ']')}]" : host;
        return new KubeConfig
        {
            Server = new Uri($"https://{hostPart}:{portNumber}"),
            CertificateAuthority = ReadCertificates(caFile, $"the in-cluster CA bundle {caFile}"),
            TokenFile = tokenFile,
            Namespace = File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : null,
            Source = "in-cluster service account",
        };
    }

    internal static bool HasInClusterVariables(Func<string, string?> environment) =>
        !string.IsNullOrWhiteSpace(environment("KUBERNETES_SERVICE_HOST")) && !string.IsNullOrWhiteSpace(environment("KUBERNETES_SERVICE_PORT"));

    private static KubeConfig FromKubeconfigFiles(IReadOnlyList<string> paths, string? context)
    {
        var merged = KubeconfigFile.ReadMerged(paths);
        return merged.Resolve(context);
    }

    internal static X509Certificate2Collection ReadCertificates(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new KubeConfigException($"{what}: the file {path} does not exist.");
        }
        return ParseCertificates(File.ReadAllText(path), what);
    }

    internal static X509Certificate2Collection ParseCertificates(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new KubeConfigException($"{what} is not a valid PEM certificate bundle: {ex.Message}", ex);
        }
        return collection.Count > 0 ? collection : throw new KubeConfigException($"{what} holds no PEM certificate.");
    }
}
