using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Konnect.Controller.Translation.Portal;

/// <summary>
/// A JSON schema as a short outline for the portal: "string (uuid)" on one line for a parameter, an indented tree of
/// properties for a body. Bounded everywhere, because a small document can describe a huge outline ($refs are
/// expanded wherever they are used): a line is cut at <see cref="MaxLine"/> characters, a tree at <see cref="MaxDepth"/>
/// levels, <see cref="MaxLines"/> lines and <see cref="MaxTree"/> characters, and a whole document's outlines at
/// <see cref="MaxDocument"/> characters, after which schemas are left out. A schema met again below itself (a
/// recursive $ref) is named, not expanded. One instance per document.
/// </summary>
internal sealed class SchemaOutline
{
    public const int MaxDepth = 4;
    public const int MaxLines = 80;
    public const int MaxLine = 300;
    public const int MaxTree = 8 * 1024;
    public const int MaxDocument = 512 * 1024;
    private const int MaxEnumValues = 10;
    private const int MaxEnumValue = 40;
    /// <summary>The first schema past the budget says why; the rest are one character each.</summary>
    public const string LeftOut = "(left out: the document's schemas are longer than the portal shows)";
    public const string LeftOutAgain = "…";

    private int _budget = MaxDocument;
    private bool _saidWhy;

    public string? Line(IOpenApiSchema? schema) => schema is null ? null : Spend(Describe(schema));

    public string? Tree(IOpenApiSchema? schema)
    {
        if (schema is null) { return null; }
        if (_budget <= 0) { return Omitted(); }
        var text = new StringBuilder();
        var lines = 0;
        Write(text, schema, 0, [], ref lines);
        return Spend(text.ToString().TrimEnd('\n'));
    }

    private string Spend(string outline)
    {
        if (_budget <= 0) { return Omitted(); }
        _budget -= outline.Length;
        return outline;
    }

    private string Omitted()
    {
        if (_saidWhy) { return LeftOutAgain; }
        _saidWhy = true;
        return LeftOut;
    }

    private static void Write(StringBuilder text, IOpenApiSchema schema, int depth, HashSet<string> path, ref int lines)
    {
        text.Append(Describe(schema));
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
            if (++lines > MaxLines || text.Length > MaxTree) { text.Append(indent).Append("…\n"); break; }
            text.Append(indent).Append(OpenApiReader.Text(property, 100)).Append(required.Contains(property) ? "*" : "").Append(": ");
            if (value is null) { text.Append("any\n"); continue; }
            Write(text, value, depth + 1, path, ref lines);
        }
        text.Append(new string(' ', depth * 2)).Append("}\n");
        if (name is not null) { path.Remove(name); }
    }

    /// <summary>One line, at most <see cref="MaxLine"/> characters: the type, its format, bounds and enum, or the composition.</summary>
    private static string Describe(IOpenApiSchema schema)
    {
        var line = DescribeUncut(schema);
        return line.Length <= MaxLine ? line : OpenApiReader.Text(line, MaxLine)!;
    }

    private static string DescribeUncut(IOpenApiSchema schema)
    {
        var name = RefName(schema);
        if (schema.AllOf is { Count: > 0 } all && Properties(schema).Count == 0) { return name ?? Join("all of", all); }
        if (schema.OneOf is { Count: > 0 } one) { return Join("one of", one); }
        if (schema.AnyOf is { Count: > 0 } any) { return Join("any of", any); }
        var type = TypeName(schema.Type);
        if (type == "array")
        {
            // The items by name when they are a $ref, else by type only: never a nested expansion on one line.
            return $"array of {(schema.Items is { } item ? RefName(item) ?? TypeName(item.Type) : "any")}";
        }
        var text = new StringBuilder(name is not null && type == "object" ? name : type);
        if (schema.Format is { Length: > 0 } format) { text.Append(" (").Append(OpenApiReader.Text(format, 40)).Append(')'); }
        if (schema.Minimum is not null || schema.Maximum is not null)
        {
            text.Append(", ").Append(OpenApiReader.Text(schema.Minimum, 40)).Append("..").Append(OpenApiReader.Text(schema.Maximum, 40));
        }
        if (schema.MaxLength is { } max) { text.Append(", at most ").Append(max.ToString(CultureInfo.InvariantCulture)).Append(" characters"); }
        if (schema.Enum is { Count: > 0 } values)
        {
            text.Append(": ").Append(string.Join(" | ", values.Take(MaxEnumValues).Select(EnumValue)));
            if (values.Count > MaxEnumValues) { text.Append(" | …"); }
        }
        if (schema.Deprecated) { text.Append(" (deprecated)"); }
        return text.ToString();
    }

    // Scalars only, and short: an enum member that is an object or a long string is not worth serialising whole.
    private static string EnumValue(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue scalar => OpenApiReader.Text(scalar.ToJsonString(), MaxEnumValue) ?? "\"\"",
        _ => "…",
    };

    // Members by name or type: a composition of inline objects would otherwise repeat whole schemas on one line.
    private static string Join(string how, IList<IOpenApiSchema> schemas) =>
        $"{how}: " + string.Join(" | ", schemas.Take(MaxEnumValues).Select(s => s is null ? "any" : RefName(s) ?? TypeName(s.Type)));

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
