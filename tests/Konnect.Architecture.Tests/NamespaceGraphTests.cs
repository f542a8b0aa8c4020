namespace Konnect.Architecture.Tests;

/// <summary>
/// The namespace graph of every src project has no cycle: a stage may depend on the stages below it, never on one that
/// depends back on it (docs/design.md, Gateway folders). Each namespace is a node, a parent and its child included,
/// and every namespace is the folder its file is in. The last tests check the reading itself on small sources.
/// </summary>
public sealed class NamespaceGraphTests
{
    internal static readonly Lazy<(IReadOnlyList<SourceFile> Files, NamespaceGraph Graph)> Src = new(() =>
    {
        var files = SrcFiles().ToList();
        return (files, NamespaceGraph.Build(files));
    });

    public static TheoryData<string> Projects => [.. ProjectFolders().Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Projects))]
    public void SrcProject_NamespaceGraph_HasNoCycle(string project)
    {
        var graph = Src.Value.Graph;

        var ties = graph.TiesIn(project);

        Assert.True(ties.Count == 0,
            $"{project} has namespaces that depend on each other (break the cycle: move the type to the stage it belongs to, "
            + "put a shared contract in a lower namespace, or invert the dependency):" + Environment.NewLine
            + string.Join(Environment.NewLine, ties.Select(graph.Describe)));
    }

    [Fact]
    public void SrcFiles_EachFile_DeclaresTheNamespaceOfItsFolder()
    {
        var wrong = new List<string>();
        foreach (var file in Src.Value.Files)
        {
            var folder = Path.GetDirectoryName(file.Path)!.Replace('/', '.').Replace('\\', '.');
            var expected = folder.Length == 0 ? file.Project : $"{file.Project}.{folder}";
            var declared = NamespaceGraph.NamespacesOf(CSharpCode.Strip(file.Text));
            // Top-level statements (no namespace) only in the project's Program.cs.
            var fine = declared.Count == 1 ? declared[0] == expected : declared.Count == 0 && file.Path == "Program.cs";
            if (!fine) { wrong.Add($"{file.Project}/{file.Path}: namespace {(declared.Count == 0 ? "(none)" : string.Join(", ", declared))}, folder says {expected}"); }
        }

        Assert.True(wrong.Count == 0, "Namespace and folder differ:" + Environment.NewLine + string.Join(Environment.NewLine, wrong));
    }

    [Fact]
    public void NamespaceGraph_UsingDirectivesBothWays_AreACycle()
    {
        var graph = Graph(
            ("A/X.cs", "using P.B;\nnamespace P.A;\nclass X { Y y; }"),
            ("B/Y.cs", "using static P.A.X;\nnamespace P.B;\nclass Y { }"));

        var tie = Assert.Single(graph.TiesIn("P"));

        Assert.Equal(["P.A", "P.B"], tie.Cycle);
        Assert.Contains("P/B/Y.cs: using static P.A.X;", graph.Describe(tie), StringComparison.Ordinal);
    }

    [Fact]
    public void NamespaceGraph_TypeOfEnclosingNamespaceWithoutUsing_IsAnEdgeToTheParent()
    {
        var graph = Graph(
            ("State.cs", "using P.Child;\nnamespace P;\npublic class State { Table t; }"),
            ("Child/Table.cs", "namespace P.Child;\npublic class Table { object state = new State(); }"));

        Assert.Equal(["P", "P.Child"], Assert.Single(graph.TiesIn("P")).Cycle);
    }

    [Fact]
    public void NamespaceGraph_QualifiedNames_AreEdgesWhetherFullOrRelative()
    {
        var graph = Graph(
            ("A/X.cs", "namespace P.A;\nclass X { object a = new P.B.Y(); object b = C.Z.Make(); }"),
            ("B/Y.cs", "namespace P.B;\nclass Y { }"),
            ("C/Z.cs", "namespace P.C;\nclass Z { }"));

        Assert.Equal(["P.B", "P.C"], graph.EdgesFrom("P.A").Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NamespaceGraph_CommentsLiteralsAndMembersNamedLikeTypes_AreNoEdges()
    {
        var graph = Graph(
            ("State.cs", "namespace P;\npublic class Problem { }"),
            ("A/X.cs", """
                namespace P.A;
                /// <see cref="P.B.Y"/>, and P.B.Y again // P.B.Y
                class X
                {
                    /* P.B.Y */ string s = "P.B.Y" + @"P.B.Y" + $"{P.B.Y.Name}" + '.';
                    public string Problem { get; } = "";
                    string Why() => Problem;
                    bool Is(object o) => o is { Problem: "" };
                }
                """),
            ("B/Y.cs", "namespace P.B;\nclass Y { }"));

        Assert.Empty(graph.EdgesFrom("P.A"));
    }

    private static NamespaceGraph Graph(params (string Path, string Text)[] files) =>
        NamespaceGraph.Build(files.Select(f => new SourceFile("P", f.Path, f.Text)));

    private static IEnumerable<string> ProjectFolders() =>
        Directory.GetDirectories(SourceTree.Src).Where(d => Directory.GetFiles(d, "*.csproj").Length > 0);

    private static IEnumerable<SourceFile> SrcFiles()
    {
        foreach (var folder in ProjectFolders())
        {
            var project = Path.GetFileName(folder);
            foreach (var path in Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(folder, path).Replace('\\', '/');
                if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)) { continue; }
                yield return new SourceFile(project, relative, File.ReadAllText(path));
            }
        }
    }
}
