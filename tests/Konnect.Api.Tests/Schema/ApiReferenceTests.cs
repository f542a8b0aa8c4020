using System.Text.Json.Nodes;
using Konnect.Api.Schema;

namespace Konnect.Api.Tests.Schema;

/// <summary>
/// docs/reference/api.md must be exactly what ApiReferenceGenerator makes from the types, as crds/ must be
/// (CrdsFolderTests); UPDATE_CRDS=1 rewrites it too.
/// </summary>
public class ApiReferenceTests
{
    private static readonly string ReferenceFile = Path.Combine(RepositoryRoot(), "docs", "reference", "api.md");

    [Fact]
    public void ApiReference_MatchesGeneratedTypes()
    {
        if (Environment.GetEnvironmentVariable("UPDATE_CRDS") == "1") { ApiReferenceGenerator.Write(ReferenceFile); }
        Assert.True(File.Exists(ReferenceFile), "docs/reference/api.md is missing: run make crds");

        var expected = ApiReferenceGenerator.Generate();
        var onDisk = File.ReadAllText(ReferenceFile);

        Assert.True(onDisk == expected,
            "docs/reference/api.md is out of date with src/Konnect.Api: run make crds (or UPDATE_CRDS=1 dotnet test tests/Konnect.Api.Tests). " +
            FirstDifference(onDisk, expected));
    }

    [Fact]
    public void ApiReference_HasARowForEveryFieldOfEveryCrd()
    {
        var reference = ApiReferenceGenerator.Generate();
        foreach (var root in CrdGenerator.RootTypes())
        {
            var crd = CrdGenerator.Generate(root);
            var kind = crd["spec"]!["names"]!["kind"]!.GetValue<string>();
            Assert.Contains($"\n## {kind}\n", reference, StringComparison.Ordinal);
            var schema = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
            foreach (var section in new[] { "spec", "status" })
            {
                if (schema["properties"]?[section] is not JsonObject part) { continue; }
                foreach (var path in FieldPaths(section, part))
                {
                    Assert.Contains($"| `{path}` |", reference, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void ApiReference_ShowsTheSchemasTypesRulesAndDescriptions()
    {
        var reference = ApiReferenceGenerator.Generate();
        var weight = Row(reference, "spec.rules[].backends[].weight");

        Assert.Contains("| integer (int32) |", weight, StringComparison.Ordinal);
        Assert.Contains("default `1`", weight, StringComparison.Ordinal);
        Assert.Contains("≥ 0 and ≤ 10000", weight, StringComparison.Ordinal);
        Assert.Contains("Relative share of the rule's traffic", weight, StringComparison.Ordinal);

        var pathType = Row(reference, "spec.rules[].matches[].path.type");
        Assert.Contains("one of `Exact`, `PathPrefix`, `RegularExpression`", pathType, StringComparison.Ordinal);

        var hosts = Row(reference, "spec.hosts");
        Assert.Contains("| list of string |", hosts, StringComparison.Ordinal);
        Assert.Contains("each item: pattern `", hosts, StringComparison.Ordinal);
        Assert.Contains("at most 16 items", hosts, StringComparison.Ordinal);

        Assert.Contains("| yes |", Row(reference, "spec.subscriptions[].route"), StringComparison.Ordinal);
        Assert.Contains("CEL `has(self.secretName) \\|\\| has(self.issuerRef)`", Row(reference, "spec.tls"), StringComparison.Ordinal);
    }

    // Every row is one line: a description or rule with a newline or an unescaped bar would break the table.
    [Fact]
    public void ApiReference_TableRowsHaveFiveCells()
    {
        foreach (var line in ApiReferenceGenerator.Generate().Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)))
        {
            var cells = System.Text.RegularExpressions.Regex.Split(line, @"(?<!\\)\|").Length - 2;
            Assert.True(cells == 5, $"{cells} cells in: {line}");
        }
    }

    private static string Row(string reference, string path)
    {
        // The first kind holding the path: spec.hosts and spec.rules are KonnectRoute's, which comes first.
        var start = reference.IndexOf($"| `{path}` |", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for {path}");
        var end = reference.IndexOf('\n', start);
        return reference[start..end];
    }

    private static IEnumerable<string> FieldPaths(string path, JsonObject schema)
    {
        yield return path;
        var holder = schema["type"]?.GetValue<string>() == "array" && schema["items"] is JsonObject { } items && items["type"]?.GetValue<string>() == "object"
            ? items
            : schema;
        var prefix = ReferenceEquals(holder, schema) ? path : path + "[]";
        if (holder["properties"] is not JsonObject properties) { yield break; }
        foreach (var (name, child) in properties)
        {
            foreach (var nested in FieldPaths(prefix + "." + name, child!.AsObject())) { yield return nested; }
        }
    }

    private static string FirstDifference(string actual, string expected)
    {
        var actualLines = actual.Split('\n');
        var expectedLines = expected.Split('\n');
        for (var i = 0; i < Math.Max(actualLines.Length, expectedLines.Length); i++)
        {
            var a = i < actualLines.Length ? actualLines[i] : "(end of file)";
            var e = i < expectedLines.Length ? expectedLines[i] : "(end of file)";
            if (a != e) { return $"First difference at line {i + 1}: the file has \"{a}\", the types generate \"{e}\"."; }
        }
        return "";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Konnect.sln"))) { return dir.FullName; }
        }
        throw new InvalidOperationException($"Konnect.sln not found above {AppContext.BaseDirectory}.");
    }
}
