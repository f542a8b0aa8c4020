using k8s;
using k8s.KubeConfigModels;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Konnect.Kubernetes.Config;

/// <summary>What KubernetesClient's kubeconfig model leaves out of a user entry and Konnect needs.</summary>
/// <param name="TokenFile">The user's <c>tokenFile</c>, as an absolute path.</param>
/// <param name="InteractiveMode">The exec plugin's <c>interactiveMode</c> (Never, IfAvailable, Always).</param>
internal sealed record KubeconfigUserExtras(string? TokenFile, string? InteractiveMode);

/// <summary>
/// One or more kubeconfig files read by KubernetesClient and merged as kubectl merges $KUBECONFIG: the first file that
/// defines a name or a current-context wins. The library merges too, but only for the files of its own default
/// lookup, and resolves relative paths against one file; here every relative path (CA bundle, client certificate and
/// key, token file) is made absolute against its own file first.
/// </summary>
internal sealed record KubeconfigFiles(K8SConfiguration Config, IReadOnlyDictionary<string, KubeconfigUserExtras> Extras)
{
    public static KubeconfigFiles ReadMerged(IReadOnlyList<string> paths)
    {
        var clusters = new List<Cluster>();
        var contexts = new List<Context>();
        var users = new List<User>();
        var extras = new Dictionary<string, KubeconfigUserExtras>(StringComparer.Ordinal);
        string? current = null;
        var found = false;
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                // kubectl skips missing files in $KUBECONFIG; a single explicit path must exist.
                if (paths.Count == 1) { throw new KubeConfigException($"The kubeconfig file {path} does not exist."); }
                continue;
            }
            found = true;
            var full = Path.GetFullPath(path);
            var file = Read(full);
            current ??= string.IsNullOrWhiteSpace(file.CurrentContext) ? null : file.CurrentContext;
            foreach (var cluster in file.Clusters ?? [])
            {
                if (cluster.ClusterEndpoint is { } endpoint) { endpoint.CertificateAuthority = Absolute(full, endpoint.CertificateAuthority); }
                AddFirst(clusters, cluster, c => c.Name);
            }
            foreach (var context in file.Contexts ?? []) { AddFirst(contexts, context, c => c.Name); }
            foreach (var user in file.Users ?? [])
            {
                if (user.UserCredentials is { } credentials)
                {
                    credentials.ClientCertificate = Absolute(full, credentials.ClientCertificate);
                    credentials.ClientKey = Absolute(full, credentials.ClientKey);
                }
                if (AddFirst(users, user, u => u.Name))
                {
                    extras[user.Name] = ReadExtras(full, user.Name);
                }
            }
        }
        if (!found)
        {
            throw new KubeConfigException($"None of the kubeconfig files exist: {string.Join(", ", paths)}.");
        }
        return new KubeconfigFiles(new K8SConfiguration { CurrentContext = current, Clusters = clusters, Contexts = contexts, Users = users }, extras);
    }

    // The library's own reader (KubernetesClientConfiguration.LoadKubeConfig) goes through KubernetesYaml, whose static
    // set-up loads every one of the library's ~1,900 model types and keeps YAML name overrides for each: about 10 MiB more
    // RSS, for good, measured at 10,000 routes. The kubeconfig model alone needs none of that; YamlDotNet reads it from
    // the same attributes.
    private static readonly IDeserializer Yaml = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    private static K8SConfiguration Read(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            return Yaml.Deserialize<K8SConfiguration?>(reader) ?? new K8SConfiguration();
        }
        catch (YamlException ex)
        {
            throw new KubeConfigException($"The kubeconfig file {path} is not valid YAML (line {ex.Start.Line}): {ex.Message}", ex);
        }
    }

    private static bool AddFirst<T>(List<T> into, T item, Func<T, string?> nameOf)
    {
        var name = nameOf(item);
        if (name is null || into.Exists(existing => nameOf(existing) == name)) { return false; }
        into.Add(item);
        return true;
    }

    // tokenFile and exec.interactiveMode are kubeconfig fields the library's model does not have: read them from the
    // file's YAML directly, for the one user entry that the merge kept.
    private static KubeconfigUserExtras ReadExtras(string path, string userName)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) { stream.Load(reader); }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || Child(root, "users") is not YamlSequenceNode list)
        {
            return new KubeconfigUserExtras(null, null);
        }
        var user = list.OfType<YamlMappingNode>().FirstOrDefault(u => Scalar(u, "name") == userName);
        var body = user is null ? null : Child(user, "user") as YamlMappingNode;
        var tokenFile = body is null ? null : Scalar(body, "tokenFile");
        var interactive = body is not null && Child(body, "exec") is YamlMappingNode exec ? Scalar(exec, "interactiveMode") : null;
        return new KubeconfigUserExtras(string.IsNullOrWhiteSpace(tokenFile) ? null : Absolute(path, tokenFile.Trim()), interactive);
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static string? Scalar(YamlMappingNode node, string key) => Child(node, key) is YamlScalarNode scalar ? scalar.Value : null;

    private static string? Absolute(string kubeconfigFile, string? path) =>
        string.IsNullOrWhiteSpace(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(kubeconfigFile)!, path));
}
