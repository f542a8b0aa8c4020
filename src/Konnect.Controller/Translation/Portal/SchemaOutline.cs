using System.Globalization;
using System.Text;
using Microsoft.OpenApi;

namespace Konnect.Controller.Translation.Portal;

/// <summary>
/// A JSON schema as a short outline for the portal: "string (uuid)" on one line for a parameter, an indented tree of
/// properties for a body. Bounded in depth and lines, and a schema met again below itself (a recursive $ref) is named,
/// not expanded, so no document can make an outline grow without end.
/// </summary>
internal static class SchemaOutline
{
    private const int MaxDepth = 4;
    private const int MaxLines = 80;
    private const int MaxEnumValues = 10;

    public static string? Line(IOpenApiSchema? schema) => schema is null ? null : Describe(schema, []);

    public static string? Tree(IOpenApiSchema? schema)
    {
        if (schema is null) { return null; }
        var text = new StringBuilder();
        var lines = 0;
        Write(text, schema, 0, [], ref lines);
        return text.ToString().TrimEnd('\n');
    }

    private static void Write(StringBuilder text, IOpenApiSchema schema, int depth, HashSet<string> path, ref int lines)
    {
        text.Append(Describe(schema, path));
        var properties = Properties(schema);
        if (properties.Count == 0) { text.Append('\n'); return; }
        var name = RefName(schema);
        if (depth >= MaxDepth || (name is not null && path.Contains(name)))
        {
            text.Append(" {…}\n");
            return;
        }
        if (name is not null) { path.Add(name); }
        text.Append(" {\n");
        var indent = new string(' ', (depth + 1) * 2);
        var required = Required(schema);
        foreach (var (property, value) in properties)
        {
            if (++lines > MaxLines) { text.Append(indent).Append("…\n"); break; }
            text.Append(indent).Append(OpenApiReader.Text(property, 100)).Append(required.Contains(property) ? "*" : "").Append(": ");
            if (value is null) { text.Append("any\n"); continue; }
            Write(text, value, depth + 1, path, ref lines);
        }
        text.Append(new string(' ', depth * 2)).Append("}\n");
        if (name is not null) { path.Remove(name); }
    }

    /// <summary>One line: the type, its format, bounds and enum, or the composition.</summary>
    private static string Describe(IOpenApiSchema schema, HashSet<string> path)
    {
        var name = RefName(schema);
        if (schema.AllOf is { Count: > 0 } all && Properties(schema).Count == 0) { return name ?? Join("all of", all, path); }
        if (schema.OneOf is { Count: > 0 } one) { return Join("one of", one, path); }
        if (schema.AnyOf is { Count: > 0 } any) { return Join("any of", any, path); }
        var type = TypeName(schema.Type);
        if (type == "array")
        {
            var items = schema.Items is { } item ? (RefName(item) ?? Describe(item, path)) : "any";
            return $"array of {items}";
        }
        var text = new StringBuilder(name is not null && type == "object" ? name : type);
        if (schema.Format is { Length: > 0 } format) { text.Append(" (").Append(OpenApiReader.Text(format, 40)).Append(')'); }
        if (schema.Minimum is not null || schema.Maximum is not null)
        {
            text.Append(", ").Append(schema.Minimum ?? "").Append("..").Append(schema.Maximum ?? "");
        }
        if (schema.MaxLength is { } max) { text.Append(", at most ").Append(max.ToString(CultureInfo.InvariantCulture)).Append(" characters"); }
        if (schema.Enum is { Count: > 0 } values)
        {
            text.Append(": ").Append(string.Join(" | ", values.Take(MaxEnumValues).Select(v => OpenApiReader.Text(v?.ToJsonString() ?? "null", 60))));
            if (values.Count > MaxEnumValues) { text.Append(" | …"); }
        }
        if (schema.Deprecated) { text.Append(" (deprecated)"); }
        return text.ToString();
    }

    private static string Join(string how, IList<IOpenApiSchema> schemas, HashSet<string> path) =>
        $"{how}: " + string.Join(" | ", schemas.Take(MaxEnumValues).Select(s => s is null ? "any" : RefName(s) ?? Describe(s, path)));

    private static string TypeName(JsonSchemaType? type)
    {
        if (type is not { } t) { return "object"; }
        var names = new List<string>();
        foreach (var value in Enum.GetValues<JsonSchemaType>())
        {
            if (value != JsonSchemaType.Null && t.HasFlag(value)) { names.Add(value.ToString().ToLowerInvariant()); }
        }
        var name = names.Count == 0 ? "null" : string.Join(" or ", names);
        return t.HasFlag(JsonSchemaType.Null) && names.Count > 0 ? name + " or null" : name;
    }

    // allOf members' properties are merged, as a reader of the document would: the usual shape of "extends".
    private static List<(string Name, IOpenApiSchema? Value)> Properties(IOpenApiSchema schema)
    {
        var properties = new List<(string, IOpenApiSchema?)>();
        foreach (var (name, value) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>()) { properties.Add((name, value)); }
        foreach (var member in schema.AllOf ?? [])
        {
            foreach (var (name, value) in member?.Properties ?? new Dictionary<string, IOpenApiSchema>()) { properties.Add((name, value)); }
        }
        return properties;
    }

    private static HashSet<string> Required(IOpenApiSchema schema)
    {
        var required = new HashSet<string>(schema.Required ?? new HashSet<string>(), StringComparer.Ordinal);
        foreach (var member in schema.AllOf ?? []) { required.UnionWith(member?.Required ?? new HashSet<string>()); }
        return required;
    }

    private static string? RefName(IOpenApiSchema schema) => schema is OpenApiSchemaReference reference ? OpenApiReader.Text(reference.Reference?.Id, 100) : null;
}
