using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>Typed reads of OpenAI and Gemini bodies. Wrongly typed client fields become a FormatException naming the field.</summary>
internal static class GeminiJson
{
    /// <summary>The string a node holds, or null when it is absent or not a string.</summary>
    public static string? Str(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    /// <summary>The node at a path of object keys, or null when any step is absent or not an object (never throws on odd shapes).</summary>
    public static JsonNode? At(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var key in path) { node = node is JsonObject o ? o[key] : null; }
        return node;
    }

    /// <summary>A number from the client, cloned for the Gemini body; null when absent or JSON null.</summary>
    public static JsonNode? Number(JsonNode? node, string field)
    {
        if (node is null) { return null; }
        if (node.GetValueKind() != JsonValueKind.Number) { throw new FormatException($"{field} must be a number"); }
        return node.DeepClone();
    }

    /// <summary>A whole number from the client; null when absent or JSON null.</summary>
    public static long? Integer(JsonNode? node, string field)
    {
        if (node is null) { return null; }
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
        {
            // Nodes the gateway built itself hold CLR numbers (an int, a long), which convert to no other type.
            if (value.TryGetValue<long>(out var whole)) { return whole; }
            if (value.TryGetValue<int>(out var small)) { return small; }
            if (value.TryGetValue<double>(out var real) && real == Math.Floor(real) && Math.Abs(real) < 1e15) { return (long)real; }
        }
        throw new FormatException($"{field} must be an integer");
    }

    /// <summary>A count from a provider body: absent, null or not a number reads as null.</summary>
    public static long? Count(JsonNode? node)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number) { return null; }
        return value.TryGetValue<long>(out var whole) ? whole
            : value.TryGetValue<int>(out var small) ? small
            : value.TryGetValue<double>(out var real) ? (long)real : null;
    }

    /// <summary>The text of a message content: a string, or an array whose text (and refusal) parts are joined.</summary>
    public static string Text(JsonNode? content, string field)
    {
        switch (content)
        {
            case null: return "";
            case JsonArray parts:
                var text = new StringBuilder();
                for (var i = 0; i < parts.Count; i++)
                {
                    var part = parts[i] as JsonObject ?? throw new FormatException($"{field}[{i}] must be an object");
                    var type = Str(part["type"]);
                    text.Append(type switch
                    {
                        "text" => Str(part["text"]) ?? throw new FormatException($"{field}[{i}].text must be a string"),
                        "refusal" => Str(part["refusal"]) ?? "",
                        _ => throw new FormatException($"{field}[{i}].type '{type}' is not text"),
                    });
                }
                return text.ToString();
            default:
                return Str(content) ?? throw new FormatException($"{field} must be a string or an array of parts");
        }
    }

    public static long UnixNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A short random id part for when Gemini gives none.</summary>
    public static string RandomId() => Guid.NewGuid().ToString("N")[..24];
}
