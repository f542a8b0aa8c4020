using System.Globalization;
using System.Text.Json.Nodes;
using Konnect.Testing;
using NJsonSchema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// The openAPIV3Schema of each CRD in crds/, as the API server applies it to a custom resource on create: types,
/// patterns, enums, ranges and required fields, and (kubectl's default --validate=strict) no field the schema does not
/// name, except under x-kubernetes-preserve-unknown-fields. The CEL rules (x-kubernetes-validations) are not run here.
/// </summary>
public sealed class CrdSchemas
{
    private readonly Dictionary<(string ApiVersion, string Kind), JsonSchema> _schemas = [];

    private CrdSchemas() { }

    public static async Task<CrdSchemas> LoadAsync()
    {
        var crds = new CrdSchemas();
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "crds"), "*.yaml"))
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file)) { yaml.Load(reader); }
            var crd = (JsonObject)ToJson(yaml.Documents[0].RootNode)!;
            var spec = crd["spec"]!;
            foreach (var version in spec["versions"]!.AsArray())
            {
                var schema = version!["schema"]!["openAPIV3Schema"]!.DeepClone();
                Strict(schema);
                var apiVersion = $"{spec["group"]}/{version["name"]}";
                crds._schemas[(apiVersion, spec["names"]!["kind"]!.GetValue<string>())] = await JsonSchema.FromJsonAsync(schema.ToJsonString());
            }
        }
        return crds;
    }

    /// <summary>The schema problems of a document of one of the CRDs' kinds; null for any other kind.</summary>
    public IReadOnlyList<string>? Problems(SampleDocument document)
    {
        if (document.Scalar("apiVersion") is not { } apiVersion || document.Scalar("kind") is not { } kind
            || !_schemas.TryGetValue((apiVersion, kind), out var schema)) { return null; }
        var json = ToJson(document.Root)!.ToJsonString();
        return schema.Validate(json).Select(e => $"{e.Path}: {e.Kind}").ToList();
    }

    /// <summary>A structural schema refuses fields it does not name: JSON Schema's additionalProperties: false.</summary>
    private static void Strict(JsonNode? node)
    {
        if (node is JsonArray array) { foreach (var item in array) { Strict(item); } return; }
        if (node is not JsonObject obj) { return; }
        if (obj["properties"] is JsonObject properties && !obj.ContainsKey("additionalProperties") && !obj.ContainsKey("x-kubernetes-preserve-unknown-fields"))
        {
            obj["additionalProperties"] = false;
        }
        foreach (var (_, child) in obj.ToList()) { Strict(child); }
    }

    /// <summary>YAML to JSON with YAML 1.2 core types for plain scalars (true, 3, 1.5, null); quoted ones stay strings.</summary>
    public static JsonNode? ToJson(YamlNode? node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Select(ToJson)]),
        YamlScalarNode { Style: not ScalarStyle.Plain } quoted => JsonValue.Create(quoted.Value ?? ""),
        YamlScalarNode scalar => Plain(scalar.Value ?? ""),
        _ => null,
    };

    private static JsonNode? Plain(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL") { return null; }
        if (text is "true" or "True" or "TRUE") { return JsonValue.Create(true); }
        if (text is "false" or "False" or "FALSE") { return JsonValue.Create(false); }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)) { return JsonValue.Create(integer); }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && char.IsAsciiDigit(text[^1])) { return JsonValue.Create(number); }
        return JsonValue.Create(text);
    }
}
