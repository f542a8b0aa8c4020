using System.Reflection;
using System.Xml.Linq;

namespace Konnect.Architecture.Tests;

/// <summary>
/// The project graph docs/design.md draws, enforced: the control plane and the data plane meet only in Konnect.Model,
/// the host wires them, and the data plane builds against neither YAML parsing nor the Kubernetes client. A new
/// reference between projects fails here until the design (and this table) says it is wanted.
/// </summary>
public sealed class ProjectGraphTests
{
    // Every src project and the projects it may reference directly; nothing else, and these exactly.
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Konnect.Api"] = [],
        ["Konnect.Model"] = ["Konnect.Api"],
        ["Konnect.Kubernetes"] = ["Konnect.Api"],
        ["Konnect.Controller"] = ["Konnect.Api", "Konnect.Kubernetes", "Konnect.Model"],
        ["Konnect.Gateway"] = ["Konnect.Model"],
        ["Konnect"] = ["Konnect.Controller", "Konnect.Gateway"],
        ["Konnect.Echo"] = [],
    };

    // Assemblies the data plane must never load: the control plane's, and the libraries only it needs.
    private static readonly string[] NotInDataPlane = ["Konnect.Controller", "Konnect.Kubernetes", "KubernetesClient", "YamlDotNet"];

    [Fact]
    public void SrcProjects_ReferenceExactlyTheDesignedProjects()
    {
        var actual = Directory.GetFiles(SourceTree.Src, "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(p => Path.GetFileNameWithoutExtension(p), ProjectReferences);

        Assert.Equal(Allowed.Keys.Order(), actual.Keys.Order());
        foreach (var (project, references) in actual)
        {
            Assert.True(Allowed[project].Order().SequenceEqual(references.Order()),
                $"{project} references [{string.Join(", ", references.Order())}]; the design allows [{string.Join(", ", Allowed[project])}] (docs/design.md, Project graph).");
        }
    }

    [Fact]
    public void Gateway_BuildsAgainstNeitherControllerNorKubernetesNorYaml()
    {
        var reached = Closure(typeof(Konnect.Gateway.Hosting.GatewayHost).Assembly);

        var forbidden = reached.Intersect(NotInDataPlane).ToList();
        Assert.True(forbidden.Count == 0, $"Konnect.Gateway reaches {string.Join(", ", forbidden)}.");
        Assert.Contains("Konnect.Model", reached);
    }

    [Fact]
    public void Controller_BuildsAgainstNoDataPlaneAssembly()
    {
        var reached = Closure(typeof(Konnect.Controller.Reconciler).Assembly);

        Assert.DoesNotContain("Konnect.Gateway", reached);
        Assert.DoesNotContain("Yarp.ReverseProxy", reached);
        Assert.Contains("Konnect.Model", reached);
    }

    private static string[] ProjectReferences(string csproj) =>
        [.. XDocument.Load(csproj).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))];

    // The names of every assembly the compiled assembly references, directly or through Konnect's own assemblies
    // (framework and package assemblies are not followed: what they load is theirs).
    private static HashSet<string> Closure(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<AssemblyName>(root.GetReferencedAssemblies());
        while (pending.TryDequeue(out var name))
        {
            if (!seen.Add(name.Name!) || !name.Name!.StartsWith("Konnect", StringComparison.Ordinal)) { continue; }
            foreach (var next in Assembly.Load(name).GetReferencedAssemblies()) { pending.Enqueue(next); }
        }
        return seen;
    }
}
