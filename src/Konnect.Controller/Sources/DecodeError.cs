using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Konnect.Api;
using Konnect.Api.Json;
using Konnect.Model;

namespace Konnect.Controller.Sources;

/// <summary>
/// Turns System.Text.Json's decoding failures into messages a manifest author can act on: the field's path, what it
/// must be, and what was written. STJ's own text names CLR types and byte offsets in a JSON text the user never saw.
/// </summary>
internal static class DecodeError
{
    private const int MaxShownValue = SafeText.MaxQuoted;

    /// <param name="redact">For Secrets: describe values by their kind only, never their content.</param>
    public static string Explain(JsonTypeInfo root, JsonObject document, JsonException error, bool redact)
    {
        var path = error.Path is { Length: > 1 } p ? p.TrimStart('$').TrimStart('.') : "";
        var (expected, actual) = Walk(root, document, Segments(error.Path ?? "$"));
        var field = path.Length > 0 ? path : "the object";
        if (expected is null)
        {
            return $"{field}: the value is not valid here ({Describe(actual, redact)})";
        }
        var message = $"{field}: expected {Describe(expected)}, got {Describe(actual, redact)}";
        if (expected == typeof(string) && actual is JsonValue value && value.GetValueKind() != JsonValueKind.String)
        {
            message += "; quote it in YAML to keep it a string";
        }
        else if (expected == typeof(byte[]) && actual is JsonValue)
        {
            message += " that is not valid base64; put plain text under stringData instead";
        }
        return message;
    }

    /// <summary>What a JSON value is, in words; with <paramref name="redact"/> never showing its content.</summary>
    public static string Describe(JsonNode? node, bool redact) => node switch
    {
        null => "nothing (null)",
        JsonArray => "a list",
        JsonObject => "a mapping",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String when redact => "a string",
            JsonValueKind.String => SafeText.Quote(value.GetValue<string>()),
            JsonValueKind.Number when redact => "a number",
            JsonValueKind.Number => $"the number {Shorten(value.ToJsonString())}",
            _ when redact => "true or false",
            var other => other == JsonValueKind.True ? "true" : "false",
        },
        _ => "a value",
    };

    /// <summary>
    /// Drops mapping keys written with no value (<c>spec:</c>), as the API server does, so defaults apply instead of
    /// nulls the translator would trip on. Returns the path of a null list item, which cannot mean anything.
    /// </summary>
    public static string? RemoveNulls(JsonNode node, string path)
    {
        if (node is JsonObject obj)
        {
            foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList()) { obj.Remove(key); }
            foreach (var (key, child) in obj)
            {
                if (RemoveNulls(child!, path.Length == 0 ? key : $"{path}.{key}") is { } found) { return found; }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                var item = $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]";
                if (array[i] is not { } child) { return item; }
                if (RemoveNulls(child, item) is { } found) { return found; }
            }
        }
        return null;
    }

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) { return "a string"; }
        if (type == typeof(int) || type == typeof(long)) { return "a whole number"; }
        if (type == typeof(double) || type == typeof(decimal)) { return "a number"; }
        if (type == typeof(bool)) { return "true or false"; }
        if (type == typeof(byte[])) { return "base64-encoded data"; }
        if (type == typeof(IntOrString)) { return "a port number or name"; }
        if (type == typeof(DateTimeOffset)) { return "an RFC 3339 timestamp"; }
        if (type.IsEnum) { return "one of " + string.Join(", ", Enum.GetNames(type)); }
        var info = KonnectJsonContext.Default.GetTypeInfo(type);
        return info?.Kind == JsonTypeInfoKind.Enumerable ? "a list" : "a mapping";
    }

    /// <summary>Follows the error's path through the type metadata and the document together.</summary>
    private static (Type? Expected, JsonNode? Actual) Walk(JsonTypeInfo root, JsonNode document, IEnumerable<object> segments)
    {
        Type? type = root.Type;
        JsonNode? node = document;
        foreach (var segment in segments)
        {
            var info = type is null ? null : KonnectJsonContext.Default.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
            if (segment is int index)
            {
                type = info?.Kind == JsonTypeInfoKind.Enumerable ? info.ElementType : null;
                node = node is JsonArray array && index >= 0 && index < array.Count ? array[index] : null;
            }
            else
            {
                var name = (string)segment;
                type = info?.Kind switch
                {
                    JsonTypeInfoKind.Object => info.Properties.FirstOrDefault(p => p.Name == name)?.PropertyType,
                    JsonTypeInfoKind.Dictionary => info.ElementType,
                    _ => null,
                };
                node = node is JsonObject obj ? obj[name] : null;
            }
        }
        return (type, node);
    }

    /// <summary>Splits STJ's path syntax: <c>$.spec.rules[0]['odd.key']</c>.</summary>
    private static List<object> Segments(string path)
    {
        var segments = new List<object>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                segments.Add(int.TryParse(path.AsSpan(i + 1, end - i - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1);
                i = end + 1;
            }
            else { i++; }
        }
        return segments;
    }

    private static string Shorten(string text) => text.Length <= MaxShownValue ? text : text[..MaxShownValue] + "...";
}
