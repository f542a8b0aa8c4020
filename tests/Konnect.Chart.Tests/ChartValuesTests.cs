using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using NJsonSchema;

namespace Konnect.Chart.Tests;

/// <summary>values.yaml, values.schema.json and the templates agree: what `helm install` validates, checked here.</summary>
public sealed partial class ChartValuesTests
{
    [Fact]
    public async Task ValuesYaml_ValidatesAgainstSchema()
    {
        var errors = (await SchemaAsync()).Validate(ChartFiles.Values()!.ToJsonString());
        Assert.True(errors.Count == 0, string.Join('\n', errors.Select(e => $"{e.Path}: {e.Kind}")));
    }

    [Theory]
    [InlineData("kind", "Daemonset", "NotInEnumeration")]
    [InlineData("service.type", "Loadbalancer", "NotInEnumeration")]
    [InlineData("image.pullPolicy", "always", "NotInEnumeration")]
    [InlineData("service.typo", "x", "NoAdditionalPropertiesAllowed")]
    [InlineData("replica", "3", "NoAdditionalPropertiesAllowed")]
    [InlineData("redis.passwordSecret.nmae", "redis", "NoAdditionalPropertiesAllowed")]
    [InlineData("redis.tls.ca.caFile", "x", "NoAdditionalPropertiesAllowed")]
    [InlineData("redis.address", "rediss://default:hunter2@redis:6380", "ExcludedSchemaValidates")]
    [InlineData("redis.timeout", "1 second", "PatternMismatch")]
    [InlineData("containerPorts.http", "\"8080\"", "IntegerExpected")]
    [InlineData("hostNetwork", "\"yes\"", "BooleanExpected")]
    public async Task MistypedValue_FailsValidation(string path, string yamlValue, string expectedKind)
    {
        var values = ChartFiles.Values()!.AsObject();
        var keys = path.Split('.');
        var parent = keys[..^1].Aggregate(values, (node, key) => node[key]!.AsObject());
        parent[keys[^1]] = ChartFiles.YamlToJson($"v: {yamlValue}").Single()!["v"]?.DeepClone();

        var errors = (await SchemaAsync()).Validate(values.ToJsonString());
        Assert.Contains(errors, e => e.Kind.ToString() == expectedKind);
    }

    [Fact]
    public void EveryValuesPathInTemplates_ExistsInValuesYaml()
    {
        var values = ChartFiles.Values();
        var used = ChartFiles.TemplateFiles()
            .SelectMany(f => ValuesPath().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Path: m.Groups[1].Value)))
            .ToList();
        Assert.True(used.Count >= 40, $"only {used.Count} .Values references found: is the regex still matching?");
        var missing = used.Where(u => !Exists(values, u.Path)).Select(u => $"{u.File}: .Values{u.Path}").Distinct().ToList();
        Assert.True(missing.Count == 0, "not in values.yaml:\n" + string.Join('\n', missing));
    }

    [Fact]
    public void EveryValue_HasAComment()
    {
        // Every value (leaf key) follows its own comment line; a parent mapping such as `image:` is explained by the
        // comments of the values under it.
        var lines = File.ReadAllLines(Path.Combine(ChartFiles.Dir, "values.yaml"));
        var undocumented = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (!KeyLine().IsMatch(lines[i]) || lines[i].TrimStart().StartsWith('#')) { continue; }
            var previous = i > 0 ? lines[i - 1].TrimStart() : "";
            var isParent = i + 1 < lines.Length && Indent(lines[i + 1]) > Indent(lines[i]) && lines[i].TrimEnd().EndsWith(':');
            if (!previous.StartsWith('#') && !isParent)
            {
                undocumented.Add($"line {i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.True(undocumented.Count == 0, "values without a comment:\n" + string.Join('\n', undocumented));
    }

    [Fact]
    public void ValuesPathCheck_ReportsAMissingPath()
    {
        var values = ChartFiles.Values();
        Assert.True(Exists(values, ".service.nodePorts.http"));
        Assert.False(Exists(values, ".service.nodePort.http"));
        Assert.False(Exists(values, ".kind.name"));
        Assert.Equal([".a.b", ".c"], ValuesPath().Matches("{{ .Values.a.b }} {{ $.Values.c | quote }}").Select(m => m.Groups[1].Value));
    }

    private static Task<JsonSchema> SchemaAsync() => JsonSchema.FromFileAsync(Path.Combine(ChartFiles.Dir, "values.schema.json"));

    /// <summary>The key exists (a null value counts: e.g. an optional nodePort left for Kubernetes to choose).</summary>
    private static bool Exists(JsonNode? values, string path)
    {
        var node = values;
        foreach (var key in path.TrimStart('.').Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out var child)) { return false; }
            node = child;
        }
        return true;
    }

    private static int Indent(string line) => line.Length - line.TrimStart().Length;

    // .Values.a.b and $.Values.a.b alike; the leading `.`/`$.` is not part of the path.
    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesPath();

    [GeneratedRegex(@"^\s*[A-Za-z_][A-Za-z0-9_]*:")]
    private static partial Regex KeyLine();
}
