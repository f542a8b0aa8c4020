using Konnect.Testing;
using YamlDotNet.RepresentationModel;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>One YAML document of a sample file: what the mutator starts from.</summary>
/// <param name="File">The sample's path under samples/, '/'-separated.</param>
internal sealed record SampleDocument(string File, int Index, string Kind, MapNode Tree);

/// <summary>
/// The YAML documents of samples/ (samples/local included), in a fixed order so one seed always makes the same
/// mutations. Read from the repository each run, so samples added later are mutated too.
/// </summary>
internal static class SampleDocuments
{
    /// <summary>Kinds `konnect run` and `konnect validate` read; other kinds (RBAC, Deployments) are only noted by them.</summary>
    public static readonly string[] ReadKinds = ["KonnectRoute", "KonnectPolicy", "KonnectConsumer", "Service", "EndpointSlice", "Secret", "ConfigMap"];

    public static string Folder => Path.Combine(Repo.Root, "samples");

    /// <summary>Every sample manifest file (*.yaml, *.yml), relative to samples/, sorted.</summary>
    public static IReadOnlyList<string> Files() => Directory
        .EnumerateFiles(Folder, "*.*", SearchOption.AllDirectories)
        .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
        .Select(f => Path.GetRelativePath(Folder, f).Replace('\\', '/'))
        .Order(StringComparer.Ordinal)
        .ToList();

    public static IReadOnlyList<SampleDocument> Load()
    {
        var documents = new List<SampleDocument>();
        foreach (var file in Files())
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(Path.Combine(Folder, file))) { yaml.Load(reader); }
            for (var i = 0; i < yaml.Documents.Count; i++)
            {
                if (YamlNode.From(yaml.Documents[i].RootNode) is MapNode tree)
                {
                    var kind = (tree["kind"] as ScalarNode)?.Value ?? "";
                    documents.Add(new SampleDocument(file, i, kind, tree));
                }
            }
        }
        return documents;
    }
}
