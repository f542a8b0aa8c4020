using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Model;
using Microsoft.Net.Http.Headers;

namespace Konnect.Gateway.Policies.Transforms;

/// <summary>
/// Set and remove edits on a JSON body by dotted path ("meta.source"; a number indexes an array: "items.0.price").
/// Set creates missing objects on the way; a path through a scalar, or an index past the end, is left alone.
/// </summary>
internal sealed class JsonBodyEdit
{
    private static readonly JsonDocumentOptions Parsing = new() { MaxDepth = 64 };

    private readonly (string[] Path, JsonNode? Value)[] _set;
    private readonly string[][] _remove;

    private JsonBodyEdit(JsonBodyModel model)
    {
        MaxSize = model.MaxSize;
        try
        {
            _set = model.Set.Select(s => (s.Path.Split('.'), JsonNode.Parse(s.Value))).ToArray();
        }
        catch (JsonException ex)
        {
            throw new FormatException($"jsonBody.set value does not parse: {ex.Message}", ex);
        }
        _remove = model.Remove.Select(r => r.Split('.')).ToArray();
    }

    public long MaxSize { get; }

    public static JsonBodyEdit Compile(JsonBodyModel model) => new(model);

    /// <summary>application/json and the +json types (application/problem+json, application/vnd.x+json).</summary>
    public static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media)) { return false; }
        var type = media.MediaType.Value ?? "";
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The edited body, or null with the reason when it does not parse as a JSON object or array.</summary>
    public byte[]? Apply(ReadOnlyMemory<byte> body, out string? why)
    {
        why = null;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: Parsing);
        }
        catch (JsonException)
        {
            why = "the body is not valid JSON";
            return null;
        }
        if (root is not (JsonObject or JsonArray)) { why = "the body is not a JSON object or array"; return null; }

        foreach (var (path, value) in _set) { Set(root, path, value?.DeepClone()); }
        foreach (var path in _remove) { Remove(root, path); }

        var output = new ArrayBufferWriter<byte>(body.Length + 64);
        using (var writer = new Utf8JsonWriter(output)) { root.WriteTo(writer); }
        return output.WrittenSpan.ToArray();
    }

    private static void Set(JsonNode root, string[] path, JsonNode? value)
    {
        var node = root;
        for (var i = 0; i < path.Length - 1; i++)
        {
            var next = Child(node, path[i]);
            if (next is null && node is JsonObject parent)
            {
                next = new JsonObject();
                parent[path[i]] = next;
            }
            if (next is not (JsonObject or JsonArray)) { return; }
            node = next;
        }
        var last = path[^1];
        if (node is JsonObject obj) { obj[last] = value; }
        else if (node is JsonArray array && Index(last, array) is { } index) { array[index] = value; }
    }

    private static void Remove(JsonNode root, string[] path)
    {
        var node = root;
        for (var i = 0; i < path.Length - 1; i++)
        {
            if (Child(node, path[i]) is not { } next) { return; }
            node = next;
        }
        var last = path[^1];
        if (node is JsonObject obj) { obj.Remove(last); }
        else if (node is JsonArray array && Index(last, array) is { } index) { array.RemoveAt(index); }
    }

    private static JsonNode? Child(JsonNode node, string segment) => node switch
    {
        JsonObject obj => obj[segment],
        JsonArray array => Index(segment, array) is { } index ? array[index] : null,
        _ => null,
    };

    private static int? Index(string segment, JsonArray array) =>
        int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count ? index : null;
}
