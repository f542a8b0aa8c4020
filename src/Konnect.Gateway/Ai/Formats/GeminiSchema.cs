using System.Text.Json.Nodes;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>
/// JSON Schema (as OpenAI clients write it for tool parameters and json_schema response formats) rewritten into the
/// Gemini Schema object, a subset of OpenAPI 3.0. Gemini answers 400 to any key outside that subset ("$schema",
/// "additionalProperties", "$defs", "strict"...), so only its keys are kept; local $refs are inlined because Gemini
/// cannot follow them, and type lists with "null" become "nullable".
/// </summary>
internal static class GeminiSchema
{
    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal)
    {
        "type", "title", "description", "nullable", "enum", "required", "items", "minItems", "maxItems",
        "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "minimum", "maximum",
        "example", "default", "propertyOrdering",
    };

    // Gemini refuses any other "format" (email, uri, uuid...) with a 400; dropping one only loosens the schema.
    private static readonly HashSet<string> Formats = new(StringComparer.Ordinal) { "enum", "date-time", "int32", "int64", "float", "double" };

    // Recursive schemas cannot be inlined; past this depth the reference is left as a bare object.
    private const int MaxRefDepth = 16;

    public static JsonObject Clean(JsonObject schema) => Clean(schema, schema, 0);

    private static JsonObject Clean(JsonObject schema, JsonObject root, int depth)
    {
        if (GeminiJson.Str(schema["$ref"]) is { } reference)
        {
            return depth < MaxRefDepth && Resolve(root, reference) is { } target
                ? Clean(target, root, depth + 1)
                : new JsonObject { ["type"] = "object" };
        }

        var result = new JsonObject();
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "properties" when value is JsonObject properties:
                    var cleaned = new JsonObject();
                    foreach (var (name, property) in properties)
                    {
                        cleaned[name] = property is JsonObject p ? Clean(p, root, depth) : new JsonObject();
                    }
                    result["properties"] = cleaned;
                    break;
                case "items" when value is JsonObject items:
                    result["items"] = Clean(items, root, depth);
                    break;
                case "anyOf" or "oneOf" when value is JsonArray options:
                    Union(result, options, root, depth);
                    break;
                case "type" when value is JsonArray types:
                    var named = types.Select(GeminiJson.Str).Where(t => t is not null).ToList();
                    if (named.Contains("null")) { result["nullable"] = true; }
                    if (named.FirstOrDefault(t => t != "null") is { } type) { result["type"] = type; }
                    break;
                case "const" when value is not null:
                    result["enum"] = new JsonArray(value.DeepClone());
                    break;
                case "format":
                    if (GeminiJson.Str(value) is { } format && Formats.Contains(format)) { result["format"] = format; }
                    break;
                default:
                    if (Kept.Contains(key)) { result[key] = value?.DeepClone(); }
                    break;
            }
        }
        return result;
    }

    /// <summary>
    /// Gemini has only anyOf, and for constraining output "one of" asks the same. The {"type":"null"} alternative that
    /// optional fields carry (Optional[X] in Pydantic) becomes "nullable"; a single alternative left is merged in.
    /// </summary>
    private static void Union(JsonObject result, JsonArray options, JsonObject root, int depth)
    {
        var alternatives = new List<JsonObject>();
        foreach (var option in options)
        {
            if (option is not JsonObject o) { continue; }
            if (GeminiJson.Str(o["type"]) == "null") { result["nullable"] = true; }
            else { alternatives.Add(Clean(o, root, depth)); }
        }
        if (alternatives.Count != 1)
        {
            result["anyOf"] = new JsonArray([.. alternatives]);
            return;
        }
        foreach (var (key, value) in alternatives[0])
        {
            if (!result.ContainsKey(key)) { result[key] = value?.DeepClone(); }
        }
    }

    /// <summary>A local reference ("#/$defs/Address", "#/definitions/Address") in the root schema, or null.</summary>
    private static JsonObject? Resolve(JsonObject root, string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal)) { return null; }
        JsonNode? node = root;
        foreach (var segment in reference[2..].Split('/'))
        {
            var name = Uri.UnescapeDataString(segment).Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node is JsonObject o ? o[name] : null;
        }
        return node as JsonObject;
    }
}
