using System.Text;
using System.Text.Json.Nodes;

namespace Konnect.Bench.Scale;

/// <summary>
/// Folder mode: one YAML file per host (its routes, Services and EndpointSlices), as a team's repository would keep
/// an API per file. Each document is JSON, which YAML reads as flow style, so the gateway's YAML reader does the
/// parsing. A change rewrites the host's whole file the way GitOps sync tools do: written beside the folder, then
/// renamed over the old file in one step, so the gateway never sees it half-written.
/// </summary>
public sealed class FolderSource(string name = "folder") : IScaleSource
{
    private readonly string _root = Directory.CreateTempSubdirectory("konnect-scale-").FullName;
    private string Folder => Path.Combine(_root, "manifests");
    private string Staging => Path.Combine(_root, "staging");

    public bool WritesStatus => false;
    public string Name => name;
    public IReadOnlyList<string> KonnectArguments => ["--manifests", Folder];

    public async Task LoadAsync(RouteSet set)
    {
        Directory.CreateDirectory(Folder);
        Directory.CreateDirectory(Staging);
        for (var host = 0; host < set.Hosts; host++)
        {
            await File.WriteAllTextAsync(FileOf(host), Render(set.HostObjects(host))).ConfigureAwait(false);
        }
        if (set.SharedObjects().Any()) { await File.WriteAllTextAsync(Path.Combine(Folder, "shared.yaml"), Render(set.SharedObjects())).ConfigureAwait(false); }
    }

    public Task<DateTime> WriteRouteAsync(RouteSet set, int route) => RewriteHostAsync(set, set.HostOf(route));
    public Task<DateTime> WriteSliceAsync(RouteSet set, int route) => RewriteHostAsync(set, set.HostOf(route));

    private async Task<DateTime> RewriteHostAsync(RouteSet set, int host)
    {
        var staged = Path.Combine(Staging, Path.GetFileName(FileOf(host)));
        await File.WriteAllTextAsync(staged, Render(set.HostObjects(host))).ConfigureAwait(false);
        File.Move(staged, FileOf(host), overwrite: true);
        return DateTime.UtcNow;
    }

    private string FileOf(int host) => Path.Combine(Folder, $"h{host:D4}.yaml");

    private static string Render(IEnumerable<JsonObject> objects)
    {
        var text = new StringBuilder();
        foreach (var obj in objects) { text.Append("---\n").Append(obj.ToJsonString()).Append('\n'); }
        return text.ToString();
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return ValueTask.CompletedTask;
    }
}
