namespace Konnect.Architecture.Tests;

/// <summary>
/// docs/design.md draws the gateway's folders and what each depends on; this keeps the drawing true. Each folder (and
/// so each namespace) is one row, a sub-folder its own (`Policies/Caching`); a row lists the other folders its code
/// names, "(root)" for the Konnect.Gateway namespace itself. A new dependency fails here until the table shows it.
/// </summary>
public sealed class DesignDocTests
{
    private const string Gateway = "Konnect.Gateway";
    private const string Root = "(root)";

    [Fact]
    public void DesignDoc_GatewayFolders_MatchTheCode()
    {
        var drawn = DrawnFolders();
        var actual = ActualFolders();

        var problems = new List<string>();
        foreach (var folder in actual.Keys.Union(drawn.Keys).Order(StringComparer.Ordinal))
        {
            var want = actual.GetValueOrDefault(folder);
            var have = drawn.GetValueOrDefault(folder);
            if (want is null) { problems.Add($"{folder}: drawn, but no such folder in src/{Gateway}"); }
            else if (have is null) { problems.Add($"{folder}: not drawn; it depends on {Show(want)}"); }
            else if (!want.SetEquals(have)) { problems.Add($"{folder}: drawn as depending on {Show(have)}, the code on {Show(want)}"); }
        }

        Assert.True(problems.Count == 0, "docs/design.md, Gateway folders, differs from the code:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    private static string Show(IEnumerable<string> folders) => folders.Any() ? string.Join(", ", folders.Order(StringComparer.Ordinal)) : "—";

    private static string FolderOf(string ns) =>
        ns == Gateway ? Root : ns[(Gateway.Length + 1)..].Replace('.', '/');

    private static Dictionary<string, HashSet<string>> ActualFolders()
    {
        var graph = NamespaceGraphTests.Src.Value.Graph;
        var folders = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var ns in graph.ProjectOf.Where(p => p.Value == Gateway).Select(p => p.Key))
        {
            var from = FolderOf(ns);
            var to = folders.TryGetValue(from, out var set) ? set : folders[from] = new HashSet<string>(StringComparer.Ordinal);
            foreach (var target in graph.EdgesFrom(ns).Keys.Where(t => t == Gateway || t.StartsWith(Gateway + ".", StringComparison.Ordinal)))
            {
                if (FolderOf(target) != from) { to.Add(FolderOf(target)); }
            }
        }
        return folders;
    }

    // The table between the section's markers: | `Folder/` or (root) | holds | depends on | — folder names before any ';'.
    private static Dictionary<string, HashSet<string>> DrawnFolders()
    {
        var text = File.ReadAllText(Path.Combine(SourceTree.Root, "docs", "design.md"));
        var start = text.IndexOf("<!-- BEGIN gateway folders", StringComparison.Ordinal);
        var end = text.IndexOf("<!-- END gateway folders", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/design.md has no Gateway folders section between its markers");
        var folders = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var line in text[start..end].Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("| `", StringComparison.Ordinal) || l.StartsWith("| (root)", StringComparison.Ordinal)))
        {
            var cells = line.Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            var folder = cells[0] == Root ? Root : cells[0].Trim('`').TrimEnd('/');
            var depends = cells[^1].Split(';')[0];
            folders[folder] = depends == "—" ? [] : [.. depends.Split(',').Select(d => d.Trim()).Where(d => d.Length > 0)];
        }
        return folders;
    }
}
