using System.Net;
using Konnect.Testing;
using YamlDotNet.RepresentationModel;

namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// Every sample outside samples/local applies to a real cluster, whose API server refuses an EndpointSlice with a
/// loopback address ("may not be in the loopback range"). Loopback stand-ins for folder mode belong in samples/local.
/// </summary>
public sealed class SampleEndpointsTests
{
    [Fact]
    public void Samples_OutsideLocal_HaveNoLoopbackEndpointAddress()
    {
        var samples = Path.Combine(Repo.Root, "samples");
        var local = Path.Combine(samples, "local") + Path.DirectorySeparatorChar;
        var files = Directory.GetFiles(samples, "*.y*ml", SearchOption.AllDirectories).Where(f => !f.StartsWith(local, StringComparison.Ordinal)).ToList();

        var loopback = files.SelectMany(f => EndpointAddresses(f).Where(IsLoopback).Select(a => $"{Path.GetRelativePath(Repo.Root, f)}: {a}")).ToList();

        Assert.NotEmpty(files);
        Assert.True(loopback.Count == 0, "EndpointSlices with loopback addresses outside samples/local (a real API server refuses them):\n" + string.Join("\n", loopback));
    }

    private static IEnumerable<string> EndpointAddresses(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(file)) { yaml.Load(reader); }
        foreach (var document in yaml.Documents)
        {
            if (document.RootNode is not YamlMappingNode root || Scalar(root, "kind") != "EndpointSlice") { continue; }
            if (!root.Children.TryGetValue(new YamlScalarNode("endpoints"), out var endpoints) || endpoints is not YamlSequenceNode list) { continue; }
            foreach (var endpoint in list.OfType<YamlMappingNode>())
            {
                if (endpoint.Children.TryGetValue(new YamlScalarNode("addresses"), out var addresses) && addresses is YamlSequenceNode values)
                {
                    foreach (var value in values.OfType<YamlScalarNode>()) { yield return value.Value ?? ""; }
                }
            }
        }
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    private static bool IsLoopback(string address) => IPAddress.TryParse(address, out var ip) && IPAddress.IsLoopback(ip);
}
