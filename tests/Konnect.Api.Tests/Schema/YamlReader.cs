using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Konnect.Api.Tests.Schema;

/// <summary>
/// Reads YAML back into JSON the way the strictest reader would: a plain scalar that YAML 1.1 or 1.2 resolves
/// to anything but a string (yes, on, 0x1F, 1:20, 2024-01-01, .inf) becomes a marker that equals nothing the
/// emitter was given, so a missing quote fails the round-trip.
/// </summary>
internal static partial class YamlReader
{
    public static JsonNode? Read(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        Assert.Single(stream.Documents);
        return ToJson(stream.Documents[0].RootNode);
    }

    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToObject(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode scalar => Resolve(scalar),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static JsonObject ToObject(YamlMappingNode mapping)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = Resolve((YamlScalarNode)key) is JsonValue v && v.TryGetValue<string>(out var s) ? s : "<non-string key " + key + ">";
            obj.Add(name, ToJson(value));
        }
        return obj;
    }

    private static JsonNode? Resolve(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain) { return JsonValue.Create(text); }
        if (text is "" or "~" || text.Equals("null", StringComparison.OrdinalIgnoreCase)) { return null; }
        if (text is "true" or "false") { return JsonValue.Create(text == "true"); }
        if (Yaml11Boolean().IsMatch(text)) { return JsonValue.Create("<yaml 1.1 boolean " + text + ">"); }
        if (JsonNumber().IsMatch(text)) { return JsonNode.Parse(text); }
        if (OtherNumberOrTimestamp().IsMatch(text) || double.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            return JsonValue.Create("<yaml number or timestamp " + text + ">");
        }
        return JsonValue.Create(text);
    }

    [GeneratedRegex("^(y|n|yes|no|on|off|true|false)$", RegexOptions.IgnoreCase)]
    private static partial Regex Yaml11Boolean();

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex JsonNumber();

    [GeneratedRegex(@"^([-+]?0x[0-9a-f_]+|[-+]?0o?[0-7_]+|[-+]?0b[01_]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[-+]?\.(inf|nan)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*|[-+]?[0-9._]+([e][-+]?[0-9]+)?)$", RegexOptions.IgnoreCase)]
    private static partial Regex OtherNumberOrTimestamp();
}
