using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Konnect.Api.Json;

namespace Konnect.Controller.Sources;

/// <summary>
/// Fields under spec that no Konnect type declares: a typo (timout, Hosts, "backends ") is otherwise dropped by the
/// decoder without a word and the object served without what its author meant. kubectl's strict field validation
/// would refuse such an object; folder mode notes it and still serves it, so an upgrade that starts checking never
/// takes a route down. Free-form values (a JSON body transform's value) are not looked into.
/// </summary>
internal static class UnknownFields
{
    private const int MaxShown = 3;

    /// <summary>The note for <paramref name="document"/>, or null when every field under spec is known.</summary>
    public static string? Describe(JsonTypeInfo root, JsonObject document)
    {
        if (document["spec"] is not JsonObject spec || root.Properties.FirstOrDefault(p => p.Name == "spec") is not { } property) { return null; }
        var found = new List<string>();
        var count = 0;
        Walk(property.PropertyType, spec, "spec", found, ref count);
        if (count == 0) { return null; }
        var more = count > found.Count ? $" and {count - found.Count} more" : "";
        return $"{string.Join(", ", found)}{more} {(count == 1 ? "is not a field" : "are not fields")} Konnect knows; ignored";
    }

    private static void Walk(Type type, JsonNode node, string path, List<string> found, ref int count)
    {
        var info = KonnectJsonContext.Default.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
        switch (info?.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var at = $"{path}.{key}";
                    if (info.Properties.FirstOrDefault(p => p.Name == key) is { } property)
                    {
                        if (child is not null) { Walk(property.PropertyType, child, at, found, ref count); }
                    }
                    else if (++count <= MaxShown)
                    {
                        found.Add(Suggest(info, key) is { } near ? $"{DecodeError.Quote(at)} (did you mean {near}?)" : DecodeError.Quote(at));
                    }
                }
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array && info.ElementType is { } item:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } child) { Walk(item, child, $"{path}[{i}]", found, ref count); }
                }
                break;
            case JsonTypeInfoKind.Dictionary when node is JsonObject map && info.ElementType is { } value:
                foreach (var (key, child) in map)
                {
                    if (child is not null) { Walk(value, child, $"{path}.{key}", found, ref count); }
                }
                break;
        }
    }

    /// <summary>A declared field the key is probably a typo of: the same but for case or spaces, or one or two edits away.</summary>
    private static string? Suggest(JsonTypeInfo info, string key)
    {
        var trimmed = key.Trim();
        return info.Properties.Select(p => p.Name).FirstOrDefault(name =>
            string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase) || (trimmed.Length >= 4 && key.Length < 64 && Distance(name, trimmed) <= 2));
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }
}
