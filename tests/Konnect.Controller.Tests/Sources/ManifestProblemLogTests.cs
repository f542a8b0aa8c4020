using System.Text;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;

namespace Konnect.Controller.Tests.Sources;

/// <summary>
/// What folder mode tells an operator about bad manifests, found by the hostile-manifest run of issue #22: an object
/// of a kind without a status (Service, EndpointSlice, Secret) that does not decode is logged with its file, line and
/// reason instead of vanishing; and each problem is logged once, boundedly, instead of again on every reload.
/// </summary>
public sealed class ManifestProblemLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-problem-log-").FullName;
    private readonly ResourceStore _store = new();
    private readonly RecordingLogger _logger = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task LoadOnceAsync_EndpointSliceThatDoesNotDecode_LoggedWithFileLineAndReason()
    {
        File.WriteAllText(Path.Combine(_dir, "endpoints.yaml"), """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: orders-local
              labels: { kubernetes.io/service-name: orders }
            addressType: IPv4
            ports: [{ name: http, port: "not a number" }]
            endpoints: [{ addresses: [10.0.0.1] }]
            """);
        using var source = new ManifestSource(_dir, _store, null, _logger);

        await source.LoadOnceAsync();

        Assert.Empty(_store.Current.EndpointSlices);
        Assert.Contains(_logger.Lines, l => l.StartsWith("Information: Loaded 1 objects from 1 files (1 problems), 1 checked in ", StringComparison.Ordinal));
        var line = Assert.Single(_logger.Lines, l => l.StartsWith("Warning: ", StringComparison.Ordinal));
        Assert.StartsWith("Warning: endpoints.yaml:2: EndpointSlice default/orders-local: InvalidSpec: ports[0].port: expected", line);
    }

    [Fact]
    public async Task LoadOnceAsync_ProblemStaysWhileAnotherFileChanges_LoggedOnce()
    {
        File.WriteAllText(Path.Combine(_dir, "broken.yaml"), "kind: [unclosed\n");
        File.WriteAllText(Path.Combine(_dir, "route.yaml"), Route("/a"));
        using var source = new ManifestSource(_dir, _store, null, _logger);
        await source.LoadOnceAsync();

        File.WriteAllText(Path.Combine(_dir, "route.yaml"), Route("/b"));
        await source.LoadOnceAsync();

        Assert.Equal(2, _logger.Lines.Count(l => l.StartsWith("Information: Loaded ", StringComparison.Ordinal)));
        Assert.Single(_logger.Lines, l => l.StartsWith("Warning: broken.yaml:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LoadOnceAsync_FileWithThousandsOfProblems_LogsTheFirstAndCountsTheRest()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 2_000; i++) { text.Append("---\n").Append(Route("/same")); }
        File.WriteAllText(Path.Combine(_dir, "copies.yaml"), text.ToString());
        using var source = new ManifestSource(_dir, _store, null, _logger);

        await source.LoadOnceAsync();

        Assert.Equal(1_999, _store.Current.Problems.Length);
        var warnings = _logger.Lines.Where(l => l.StartsWith("Warning: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(ManifestProblemLog.MaxPerFile + 1, warnings.Count);
        Assert.All(warnings.Take(ManifestProblemLog.MaxPerFile), w => Assert.Contains("is a duplicate of the one at copies.yaml:3", w));
        Assert.Equal($"Warning: copies.yaml: {1_999 - ManifestProblemLog.MaxPerFile} more problems; `konnect validate copies.yaml` lists them all", warnings[^1]);
    }

    private static string Route(string path) => $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: r }
        spec:
          rules: [{ matches: [{ path: { value: {{path}} } }], backends: [{ url: "http://127.0.0.1:9" }] }]

        """;
}
