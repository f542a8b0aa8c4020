using System.Text;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Konnect.Api.Json;
using Konnect.Model;

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
        Walk(property.PropertyType, spec, new StringBuilder("spec"), found, ref count);
        if (count == 0) { return null; }
        var more = count > found.Count ? $" and {count - found.Count} more" : "";
        return $"{string.Join(", ", found)}{more} {(count == 1 ? "is not a field" : "are not fields")} Konnect knows; ignored";
    }

    // The path is one builder, grown and cut back as the walk goes, so known fields (nearly all of them, 200,000 at
    // 10,000 routes) cost no string; it is only made one for a field to report.
    private static void Walk(Type type, JsonNode node, StringBuilder path, List<string> found, ref int count)
    {
        var info = KonnectJsonContext.Default.GetTypeInfo(Nullable.GetUnderlyingType(type) ?? type);
        var length = path.Length;
        switch (info?.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    path.Append('.').Append(key);
                    if (info.Properties.FirstOrDefault(p => p.Name == key) is { } property)
                    {
                        if (child is not null) { Walk(property.PropertyType, child, path, found, ref count); }
                    }
                    else if (++count <= MaxShown)
                    {
                        var at = path.ToString();
                        found.Add(Suggest(info, key) is { } near ? $"{SafeText.Quote(at)} (did you mean {near}?)" : SafeText.Quote(at));
                    }
                    path.Length = length;
                }
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array && info.ElementType is { } item:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } child)
                    {
                        Walk(item, child, path.Append('[').Append(i).Append(']'), found, ref count);
                        path.Length = length;
                    }
                }
                break;
            case JsonTypeInfoKind.Dictionary when node is JsonObject map && info.ElementType is { } value:
                foreach (var (key, child) in map)
                {
                    if (child is not null)
                    {
                        Walk(value, child, path.Append('.').Append(key), found, ref count);
                        path.Length = length;
                    }
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
