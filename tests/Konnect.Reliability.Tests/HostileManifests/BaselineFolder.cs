using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// The valid objects the mutants are served beside: every sample file, as `make run` would serve it, with two changes.
/// The loopback ports of samples/local's upstreams point at <see cref="EchoUpstreams"/>; and every route is given a
/// creation time older than any mutant's (mutants have none), because two routes claiming the same host and path
/// resolve to the older one, and a valid mutant copied from a sample claims what its sample claims.
/// </summary>
internal static partial class BaselineFolder
{
    public const string CreatedAt = "2020-01-01T00:00:00Z";

    public static void Write(string folder, IReadOnlyDictionary<int, int> ports)
    {
        foreach (var file in SampleDocuments.Files())
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(Path.Combine(SampleDocuments.Folder, file))) { yaml.Load(reader); }
            var text = new StringBuilder();
            foreach (var document in yaml.Documents)
            {
                var tree = YamlNode.From(document.RootNode);
                if (tree is MapNode map && (map["kind"] as ScalarNode)?.Value == "KonnectRoute" && map["metadata"] is MapNode metadata)
                {
                    metadata.Set("creationTimestamp", ScalarNode.String(CreatedAt));
                }
                text.Append("---\n").Append(YamlWriter.Write(tree));
            }
            var written = SamplePort().Replace(text.ToString(), m =>
                ports.TryGetValue(int.Parse(m.Value, CultureInfo.InvariantCulture), out var port) ? port.ToString(CultureInfo.InvariantCulture) : m.Value);
            var path = Path.Combine(folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, written);
        }
    }

    [GeneratedRegex(@"(?<![0-9])910[1-4](?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex SamplePort();
}
