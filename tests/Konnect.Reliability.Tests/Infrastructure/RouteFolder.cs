using System.Diagnostics;
using System.Text;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>
/// The folder Konnect serves, written the way GitOps sync tools write it: a file is written beside the folder, then
/// renamed over the old one in one step, so the gateway never reads it half-written (a truncated file would be held
/// back for the folder's 1 s empty-file grace and blur the timing). Every write returns when it happened, as a
/// <see cref="Stopwatch"/> timestamp, for timing how long the change takes to be served.
/// </summary>
public sealed class RouteFolder : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("konnect-reliability-").FullName;

    public RouteFolder()
    {
        Directory.CreateDirectory(Folder);
        Directory.CreateDirectory(Staging);
    }

    /// <summary>The folder to pass to `konnect run --manifests`.</summary>
    public string Folder => Path.Combine(_root, "manifests");

    private string Staging => Path.Combine(_root, "staging");

    /// <summary>Replaces (or creates) <paramref name="file"/> with <paramref name="yaml"/>; returns when it was renamed into place.</summary>
    public long Write(string file, string yaml)
    {
        var staged = Path.Combine(Staging, file);
        File.WriteAllText(staged, yaml);
        File.Move(staged, Path.Combine(Folder, file), overwrite: true);
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Deletes <paramref name="file"/>; returns when it was gone.</summary>
    public long Delete(string file)
    {
        File.Delete(Path.Combine(Folder, file));
        return Stopwatch.GetTimestamp();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// A KonnectRoute with one rule: PathPrefix <paramref name="prefix"/> to <paramref name="upstream"/>, the prefix
    /// rewritten to <paramref name="rewrite"/>, so the upstream's answer names the route (and its generation) that
    /// served it. <paramref name="appProtocol"/> "grpc" makes Konnect speak h2c upstream.
    /// </summary>
    public static string Route(string name, string prefix, string upstream, string? rewrite = null, string? appProtocol = null, string timeout = "10m") =>
        new StringBuilder()
            .Append("---\napiVersion: konnect.dev/v1alpha1\nkind: KonnectRoute\n")
            .Append("metadata: { name: ").Append(name).Append(", namespace: reliability }\n")
            .Append("spec:\n  rules:\n    - matches: [{ path: { type: PathPrefix, value: ").Append(prefix).Append(" } }]\n")
            .Append("      backends: [{ url: \"").Append(upstream).Append('"')
            .Append(appProtocol is null ? "" : ", appProtocol: " + appProtocol).Append(" }]\n")
            .Append(rewrite is null ? "" : "      rewrite: { pathPrefix: " + rewrite + " }\n")
            .Append("      timeout: ").Append(timeout).Append('\n')
            .ToString();
}
