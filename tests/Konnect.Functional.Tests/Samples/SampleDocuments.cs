using Konnect.Testing;
using YamlDotNet.RepresentationModel;

namespace Konnect.Functional.Tests.Samples;

/// <summary>One YAML document of a sample file: where it is, and its root mapping (null when it is not a mapping).</summary>
public sealed record SampleDocument(string File, int Line, YamlMappingNode? Root)
{
    /// <summary>The file relative to the repository, with the line: what a failure names.</summary>
    public string Where => $"{Path.GetRelativePath(Repo.Root, File)}:{Line}";

    /// <summary>The folder a user applies with `kubectl apply -f samples/NAME/`.</summary>
    public string Folder => Path.GetDirectoryName(File)!;

    /// <summary>The scalar at a path of mapping keys from the root (metadata, name), or null.</summary>
    public string? Scalar(params string[] path) => (Node(Root, path) as YamlScalarNode)?.Value;

    /// <summary>The items of the sequence at a path of mapping keys from <paramref name="node"/>; none when it is missing.</summary>
    public static IEnumerable<YamlNode> Items(YamlNode? node, params string[] path) => Node(node, path) as YamlSequenceNode ?? [];

    /// <summary>The scalar at a path of mapping keys from <paramref name="node"/>, or null.</summary>
    public static string? ScalarOf(YamlNode? node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    private static YamlNode? Node(YamlNode? node, string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node)) { return null; }
        }
        return node;
    }
}

/// <summary>
/// Every YAML document under samples/: the files `kubectl apply -f` reads (.yaml, .yml) and the walkthrough's next
/// steps (.yaml.next, applied by name as the README says).
/// </summary>
public static class SampleDocuments
{
    private static readonly string Samples = Path.Combine(Repo.Root, "samples");
    private static readonly string Local = Path.Combine(Samples, "local") + Path.DirectorySeparatorChar;

    /// <summary>Samples meant for a real cluster: everything but samples/local's loopback stand-ins.</summary>
    public static IReadOnlyList<SampleDocument> ForClusters() => All().Where(d => !d.File.StartsWith(Local, StringComparison.Ordinal)).ToList();

    /// <summary>samples/local: folder-mode stand-ins that only make sense on this machine.</summary>
    public static IReadOnlyList<SampleDocument> LocalStandIns() => All().Where(d => d.File.StartsWith(Local, StringComparison.Ordinal)).ToList();

    private static IEnumerable<SampleDocument> All()
    {
        var files = Directory.GetFiles(Samples, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml.next", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file)) { yaml.Load(reader); }
            foreach (var document in yaml.Documents)
            {
                yield return new SampleDocument(file, (int)document.RootNode.Start.Line, document.RootNode as YamlMappingNode);
            }
        }
    }
}
