using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Konnect.Testing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Konnect.Chart.Tests;

/// <summary>
/// The chart's files as the checks read them, without a helm binary: YAML as JSON (YAML 1.2 core scalars, as Helm's
/// parser resolves them for these values), and template text with the Helm actions taken out.
/// </summary>
internal static partial class ChartFiles
{
    public static string Dir { get; } = Path.Combine(Repo.Root, "charts", "konnect");

    public static string Templates => Path.Combine(Dir, "templates");

    /// <summary>Every file Helm renders or includes: templates/*.yaml, *.tpl and NOTES.txt.</summary>
    public static IEnumerable<string> TemplateFiles() =>
        Directory.EnumerateFiles(Templates).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".tpl", StringComparison.Ordinal)
            || f.EndsWith(".txt", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    public static JsonNode? Values() => YamlToJson(File.ReadAllText(Path.Combine(Dir, "values.yaml"))).Single();

    /// <summary>Each document of a YAML stream as a JSON tree.</summary>
    public static List<JsonNode?> YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => Convert(d.RootNode))];
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", Convert(p.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain) { return JsonValue.Create(text); }
        if (text is "" or "~" or "null" or "Null" or "NULL") { return null; }
        if (text is "true" or "True" or "TRUE") { return JsonValue.Create(true); }
        if (text is "false" or "False" or "FALSE") { return JsonValue.Create(false); }
        if (IntegerPattern().IsMatch(text)) { return JsonValue.Create(long.Parse(text, CultureInfo.InvariantCulture)); }
        if (FloatPattern().IsMatch(text)) { return JsonValue.Create(double.Parse(text, CultureInfo.InvariantCulture)); }
        return JsonValue.Create(text);
    }

    /// <summary>
    /// A template's text with every line that holds only Helm actions removed and the remaining inline actions
    /// replaced by a placeholder, so what is left is the YAML the template emits (for templates kept that simple).
    /// </summary>
    public static string StripActions(string template)
    {
        var lines = template.Split('\n').Where(line => !ActionOnlyLine().IsMatch(line));
        return InlineAction().Replace(string.Join('\n', lines), "placeholder");
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^\s*(\{\{.*?\}\}\s*)+$")]
    private static partial Regex ActionOnlyLine();

    [GeneratedRegex(@"\{\{.*?\}\}")]
    private static partial Regex InlineAction();
}
