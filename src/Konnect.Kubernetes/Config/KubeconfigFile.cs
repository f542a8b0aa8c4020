using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Konnect.Kubernetes.Config;

/// <summary>
/// The parts of one or more kubeconfig files Konnect uses, merged as kubectl merges $KUBECONFIG: the first file that
/// defines a name or current-context wins. Read through YamlDotNet's node model (no reflection). Each entry remembers
/// its file, because relative paths inside it resolve against that file's folder.
/// </summary>
internal sealed class KubeconfigFile
{
    private sealed record Entry(YamlMappingNode Body, string File);

    private readonly Dictionary<string, Entry> _clusters = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _contexts = new(StringComparer.Ordinal);
    private string? _currentContext;
    private string _description = "";

    public static KubeconfigFile ReadMerged(IReadOnlyList<string> paths)
    {
        var merged = new KubeconfigFile { _description = string.Join(", ", paths) };
        var found = false;
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                // kubectl skips missing files in $KUBECONFIG; a single explicit path must exist.
                if (paths.Count == 1)
                {
                    throw new KubeConfigException($"The kubeconfig file {path} does not exist.");
                }
                continue;
            }
            found = true;
            merged.Add(Path.GetFullPath(path));
        }
        return found ? merged : throw new KubeConfigException($"None of the kubeconfig files exist: {merged._description}.");
    }

    private void Add(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlException ex)
        {
            throw new KubeConfigException($"The kubeconfig file {path} is not valid YAML (line {ex.Start.Line}): {ex.Message}", ex);
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return;
        }
        _currentContext ??= NonEmpty(Scalar(root, "current-context"));
        AddNamed(root, "clusters", "cluster", _clusters, path);
        AddNamed(root, "users", "user", _users, path);
        AddNamed(root, "contexts", "context", _contexts, path);
    }

    private static void AddNamed(YamlMappingNode root, string listKey, string bodyKey, Dictionary<string, Entry> into, string path)
    {
        if (!root.Children.TryGetValue(new YamlScalarNode(listKey), out var node) || node is not YamlSequenceNode list)
        {
            return;
        }
        foreach (var item in list.OfType<YamlMappingNode>())
        {
            var name = Scalar(item, "name");
            if (name is not null && item.Children.TryGetValue(new YamlScalarNode(bodyKey), out var body) && body is YamlMappingNode mapping)
            {
                into.TryAdd(name, new Entry(mapping, path));
            }
        }
    }

    public KubeConfig Resolve(string? contextName)
    {
        contextName ??= _currentContext ?? throw new KubeConfigException(
            $"The kubeconfig {_description} has no current-context; pass --context (available: {Names(_contexts)}).");
        if (!_contexts.TryGetValue(contextName, out var context))
        {
            throw new KubeConfigException($"The context '{contextName}' is not in the kubeconfig {_description} (available: {Names(_contexts)}).");
        }
        var clusterName = Scalar(context.Body, "cluster")
            ?? throw new KubeConfigException($"The context '{contextName}' in {context.File} names no cluster.");
        if (!_clusters.TryGetValue(clusterName, out var cluster))
        {
            throw new KubeConfigException($"The context '{contextName}' in {context.File} names the cluster '{clusterName}', which is not in {_description}.");
        }
        var server = Scalar(cluster.Body, "server");
        if (string.IsNullOrWhiteSpace(server) || !Uri.TryCreate(server, UriKind.Absolute, out var serverUri))
        {
            throw new KubeConfigException($"The cluster '{clusterName}' in {cluster.File} has no valid server URL (field 'server').");
        }
        var config = new KubeConfig
        {
            Server = serverUri,
            Namespace = NonEmpty(Scalar(context.Body, "namespace")),
            InsecureSkipTlsVerify = string.Equals(Scalar(cluster.Body, "insecure-skip-tls-verify"), "true", StringComparison.OrdinalIgnoreCase),
            TlsServerName = NonEmpty(Scalar(cluster.Body, "tls-server-name")),
            CertificateAuthority = ReadCertificateAuthority(cluster, clusterName),
            Source = $"kubeconfig {context.File}, context {contextName}",
        };
        var userName = Scalar(context.Body, "user");
        if (userName is null)
        {
            return config;
        }
        if (!_users.TryGetValue(userName, out var user))
        {
            throw new KubeConfigException($"The context '{contextName}' in {context.File} names the user '{userName}', which is not in {_description}.");
        }
        return WithCredentials(config, user, userName);
    }

    private static X509Certificate2Collection? ReadCertificateAuthority(Entry cluster, string clusterName)
    {
        var what = $"certificate-authority of the cluster '{clusterName}' in {cluster.File}";
        if (NonEmpty(Scalar(cluster.Body, "certificate-authority-data")) is { } data)
        {
            return KubeConfigLoader.ParseCertificates(DecodeBase64(data, "certificate-authority-data", what), what);
        }
        return NonEmpty(Scalar(cluster.Body, "certificate-authority")) is { } file
            ? KubeConfigLoader.ReadCertificates(Resolve(cluster.File, file), what)
            : null;
    }

    private static KubeConfig WithCredentials(KubeConfig config, Entry user, string userName)
    {
        var where = $"the user '{userName}' in {user.File}";
        var tokenFile = NonEmpty(Scalar(user.Body, "tokenFile"));
        var token = NonEmpty(Scalar(user.Body, "token"));
        var certPem = ReadPem(user, "client-certificate", where);
        var keyPem = ReadPem(user, "client-key", where);
        X509Certificate2? clientCertificate = null;
        if (certPem is not null || keyPem is not null)
        {
            if (certPem is null || keyPem is null)
            {
                var missing = certPem is null ? "client-certificate(-data)" : "client-key(-data)";
                throw new KubeConfigException($"{where} has a client certificate or key but no {missing}; both are needed.");
            }
            try
            {
                clientCertificate = X509Certificate2.CreateFromPem(certPem, keyPem);
            }
            catch (CryptographicException ex)
            {
                // The exception text describes the format problem, never the key material.
                throw new KubeConfigException($"{where}: the client certificate and key do not load as PEM ({ex.Message}).", ex);
            }
        }
        if (tokenFile is null && token is null && clientCertificate is null)
        {
            if (user.Body.Children.ContainsKey(new YamlScalarNode("exec")) || user.Body.Children.ContainsKey(new YamlScalarNode("auth-provider")))
            {
                var kind = user.Body.Children.ContainsKey(new YamlScalarNode("exec")) ? "an exec credential plugin" : "an auth-provider plugin";
                throw new KubeConfigException($"{where} uses {kind}, which is not supported; use a token or client certificate " +
                    "(for example a ServiceAccount token from `kubectl create token`).");
            }
            if (user.Body.Children.ContainsKey(new YamlScalarNode("username")))
            {
                throw new KubeConfigException($"{where} uses basic authentication (username/password), which is not supported; use a token or client certificate.");
            }
        }
        return config with
        {
            // A token file wins over an inline token because it can rotate.
            TokenFile = tokenFile is null ? null : Resolve(user.File, tokenFile),
            Token = tokenFile is null ? token : null,
            ClientCertificate = clientCertificate,
        };
    }

    private static string? ReadPem(Entry user, string field, string where)
    {
        if (NonEmpty(Scalar(user.Body, field + "-data")) is { } data)
        {
            return DecodeBase64(data, field + "-data", where);
        }
        if (NonEmpty(Scalar(user.Body, field)) is not { } file)
        {
            return null;
        }
        var path = Resolve(user.File, file);
        return File.Exists(path) ? File.ReadAllText(path) : throw new KubeConfigException($"{where}: {field} {path} does not exist.");
    }

    private static string DecodeBase64(string data, string field, string where)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(data));
        }
        catch (FormatException ex)
        {
            throw new KubeConfigException($"{where}: {field} is not valid base64.", ex);
        }
    }

    private static string Resolve(string kubeconfigFile, string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(kubeconfigFile)!, path));

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Names(Dictionary<string, Entry> entries) =>
        entries.Count == 0 ? "none" : string.Join(", ", entries.Keys.Order(StringComparer.Ordinal));
}
