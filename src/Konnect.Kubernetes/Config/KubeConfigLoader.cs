using k8s;
using k8s.Authentication;
using k8s.KubeConfigModels;

namespace Konnect.Kubernetes.Config;

/// <summary>
/// Finds the API server configuration the way kubectl and client-go do: an explicit kubeconfig, else the pod's
/// service account, else $KUBECONFIG, else ~/.kube/config. The files are read and resolved by KubernetesClient
/// (contexts, clusters, CA bundles, client certificates, tokens, auth-provider); Konnect adds what the library does
/// not do: merging several $KUBECONFIG files, <c>tokenFile</c> users, and exec credential plugins run the way kubectl
/// runs them (see <see cref="ExecCredentialProvider"/>).
/// </summary>
public static class KubeConfigLoader
{
    /// <summary>Where the kubelet mounts the service account's token, CA bundle and namespace in every pod.</summary>
    public const string ServiceAccountFolder = "/var/run/secrets/kubernetes.io/serviceaccount";

    // Stands in for the credentials Konnect supplies itself (token files, exec plugins), so the library's checks that a
    // user has some credential pass without the library running the plugin; the real provider replaces it at once.
    private const string Placeholder = "konnect-supplies-this-credential";

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
    /// (re-read every minute by the library, so a projected token's rotation is followed), CA bundle and namespace
    /// from <paramref name="folder"/>. The library's own InClusterConfig reads a fixed folder; this one can be pointed
    /// elsewhere, which is what lets tests prove it.
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
        var certificates = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(caFile);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            throw new KubeConfigException($"The in-cluster CA bundle {caFile} is not a valid PEM certificate bundle: {ex.Message}", ex);
        }
        if (certificates.Count == 0)
        {
            throw new KubeConfigException($"The in-cluster CA bundle {caFile} holds no PEM certificate.");
        }
        var client = new KubernetesClientConfiguration
        {
            Host = $"https://{hostPart}:{portNumber}",
            TokenProvider = new TokenFileAuth(tokenFile),
            SslCaCerts = certificates,
            Namespace = File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : null,
        };
        return new KubeConfig(client, "in-cluster service account");
    }

    internal static bool HasInClusterVariables(Func<string, string?> environment) =>
        !string.IsNullOrWhiteSpace(environment("KUBERNETES_SERVICE_HOST")) && !string.IsNullOrWhiteSpace(environment("KUBERNETES_SERVICE_PORT"));

    private static KubeConfig FromKubeconfigFiles(IReadOnlyList<string> paths, string? contextName)
    {
        var described = string.Join(", ", paths);
        var merged = KubeconfigFiles.ReadMerged(paths);
        contextName ??= merged.Config.CurrentContext is { Length: > 0 } current ? current : throw new KubeConfigException(
            $"The kubeconfig {described} has no current-context; pass --context (available: {Names(merged.Config.Contexts?.Select(c => c.Name))}).");
        var context = merged.Config.Contexts?.FirstOrDefault(c => c.Name == contextName)
            ?? throw new KubeConfigException($"The context '{contextName}' is not in the kubeconfig {described} (available: {Names(merged.Config.Contexts?.Select(c => c.Name))}).");
        var userName = context.ContextDetails?.User;
        var user = userName is null ? null : merged.Config.Users?.FirstOrDefault(u => u.Name == userName);
        if (userName is not null && user is null)
        {
            throw new KubeConfigException($"The context '{contextName}' names the user '{userName}', which is not in the kubeconfig {described}.");
        }

        // What the library would get wrong or not do at all, taken out before it sees the user and supplied below.
        var extras = user is null ? null : merged.Extras.GetValueOrDefault(user.Name);
        var exec = user?.UserCredentials?.ExternalExecution;
        var tokenFile = extras?.TokenFile;
        if (user?.UserCredentials is { } credentials && (exec is not null || tokenFile is not null))
        {
            credentials.ExternalExecution = null;
            credentials.Token = Placeholder;
        }

        KubernetesClientConfiguration client;
        try
        {
            client = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged.Config, contextName);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or UriFormatException or ArgumentException
            || e.GetType() == typeof(Exception)) // the library refuses the azure and gcp auth-providers with a plain Exception
        {
            throw new KubeConfigException($"The kubeconfig {described}, context '{contextName}': {e.Message}", e);
        }

        if (exec is not null)
        {
            client.AccessToken = null;
            client.TokenProvider = new ExecCredentialProvider(userName!, exec, extras?.InteractiveMode, client);
        }
        else if (tokenFile is not null)
        {
            // A token file wins over an inline token because it can rotate (client-go's rule).
            if (!File.Exists(tokenFile))
            {
                throw new KubeConfigException($"The user '{userName}' in the kubeconfig {described}: tokenFile {tokenFile} does not exist.");
            }
            client.AccessToken = null;
            client.TokenProvider = new TokenFileAuth(tokenFile);
        }
        return new KubeConfig(client, $"kubeconfig {described}, context {contextName}");
    }

    private static string Names(IEnumerable<string>? names) =>
        names?.Order(StringComparer.Ordinal).ToList() is { Count: > 0 } list ? string.Join(", ", list) : "none";
}
