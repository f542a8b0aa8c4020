using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Konnect.Controller.Sources;

/// <summary>One YAML document as JSON, with the line of every mapping (its <c>kind:</c> key when it has one).</summary>
internal sealed record YamlJsonDocument(JsonNode? Root, int Line, IReadOnlyDictionary<JsonNode, int> Lines)
{
    public int LineOf(JsonNode node, int fallback) => Lines.TryGetValue(node, out var line) ? line : fallback;
}

/// <summary>The file is not well-formed YAML (or exceeds a safety limit); nothing in it can be trusted.</summary>
internal sealed class ManifestSyntaxException(long line, long column, string message) : Exception(message)
{
    public int Line { get; } = (int)Math.Max(1, line);
    public int Column { get; } = (int)Math.Max(1, column);
}

/// <summary>
/// Turns a YAML stream into JSON trees that System.Text.Json can bind, resolving plain scalars with the YAML 1.2
/// core schema (so <c>on</c>/<c>yes</c> stay strings, unlike YAML 1.1). Going through JSON means manifests decode
/// with exactly the rules the Kubernetes source uses for the API server's JSON.
/// </summary>
internal sealed partial class YamlJson
{
    public const int MaxDepth = 64;

    // Counts nodes including alias expansions: a few lines of nested aliases ("billion laughs") would otherwise
    // expand to gigabytes before any other limit is hit.
    public const int MaxNodes = 250_000;

    private const string TagPrefix = "tag:yaml.org,2002:";
    private readonly Parser _parser;
    private readonly Dictionary<string, (JsonNode? Node, int Size)> _anchors = new(StringComparer.Ordinal);
    private readonly Dictionary<JsonNode, int> _lines = new(ReferenceEqualityComparer.Instance);
    private int _nodes;

    private YamlJson(string text) => _parser = new Parser(new StringReader(text));

    public static List<YamlJsonDocument> Parse(string text)
    {
        var reader = new YamlJson(text);
        try
        {
            return reader.ReadStream();
        }
        catch (YamlException ex)
        {
            throw new ManifestSyntaxException(ex.Start.Line, ex.Start.Column, ex.Message);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not YamlException) for some unclosed flow collections.
            var at = reader._parser.Current?.End ?? Mark.Empty;
            throw new ManifestSyntaxException(at.Line, at.Column, "malformed YAML after this point (an unclosed [ or {?)");
        }
    }

    private List<YamlJsonDocument> ReadStream()
    {
        var documents = new List<YamlJsonDocument>();
        _parser.Consume<StreamStart>();
        while (!_parser.TryConsume<StreamEnd>(out _))
        {
            var start = _parser.Consume<DocumentStart>();
            _anchors.Clear(); // anchors are scoped to their document
            var root = ReadNode(1);
            _parser.Consume<DocumentEnd>();
            var line = root is null ? (int)start.Start.Line : _lines.GetValueOrDefault(root, (int)start.Start.Line);
            documents.Add(new YamlJsonDocument(root, line, _lines));
        }
        return documents;
    }

    private JsonNode? ReadNode(int depth)
    {
        var at = _parser.Current?.Start ?? Mark.Empty;
        if (depth > MaxDepth)
        {
            throw new ManifestSyntaxException(at.Line, at.Column, $"nested deeper than {MaxDepth} levels");
        }
        if (_parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
            {
                throw new ManifestSyntaxException(at.Line, at.Column, $"alias *{alias.Value} refers to no anchor defined before it");
            }
            Count(anchored.Size, at);
            return anchored.Node?.DeepClone();
        }

        var before = _nodes;
        Count(1, at);
        JsonNode? node;
        AnchorName anchor;
        if (_parser.TryConsume<Scalar>(out var scalar))
        {
            node = ToJson(scalar);
            anchor = scalar.Anchor;
        }
        else if (_parser.TryConsume<SequenceStart>(out var sequence))
        {
            var array = new JsonArray();
            while (!_parser.TryConsume<SequenceEnd>(out _)) { array.Add(ReadNode(depth + 1)); }
            node = array;
            anchor = sequence.Anchor;
        }
        else
        {
            var mapping = _parser.Consume<MappingStart>();
            node = ReadMapping(mapping, depth);
            anchor = mapping.Anchor;
        }
        if (!anchor.IsEmpty) { _anchors[anchor.Value] = (node, _nodes - before); }
        return node;
    }

    private JsonObject ReadMapping(MappingStart start, int depth)
    {
        var obj = new JsonObject();
        var line = (int)start.Start.Line;
        var merges = new List<JsonObject>();
        while (!_parser.TryConsume<MappingEnd>(out _))
        {
            var at = _parser.Current?.Start ?? start.Start;
            if (!_parser.TryConsume<Scalar>(out var key))
            {
                throw new ManifestSyntaxException(at.Line, at.Column, "mapping keys must be plain strings, not lists, mappings or aliases");
            }
            if (key.Value == "<<" && key.Style == ScalarStyle.Plain)
            {
                merges.AddRange(ReadNode(depth + 1) switch
                {
                    JsonObject one => [one],
                    JsonArray many when many.All(m => m is JsonObject) => many.Cast<JsonObject>(),
                    _ => throw new ManifestSyntaxException(at.Line, at.Column, "the merge key << needs a mapping or a list of mappings"),
                });
                continue;
            }
            if (obj.ContainsKey(key.Value))
            {
                // kubectl rejects duplicate keys too; silently keeping one of them hides typos.
                throw new ManifestSyntaxException(at.Line, at.Column, $"duplicate key \"{key.Value}\"");
            }
            if (key.Value == "kind") { line = (int)at.Line; }
            obj[key.Value] = ReadNode(depth + 1);
        }
        // Keys written in the mapping itself win over merged ones, as YAML's merge key specifies.
        foreach (var merged in merges)
        {
            foreach (var (name, value) in merged)
            {
                if (!obj.ContainsKey(name)) { obj[name] = value?.DeepClone(); }
            }
        }
        _lines[obj] = line;
        return obj;
    }

    private void Count(int nodes, Mark at)
    {
        _nodes += nodes;
        if (_nodes > MaxNodes)
        {
            throw new ManifestSyntaxException(at.Line, at.Column, $"more than {MaxNodes} values once aliases are expanded");
        }
    }

    private static JsonNode? ToJson(Scalar scalar)
    {
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "!" or TagPrefix + "str" or TagPrefix + "binary" || (tag is null && scalar.Style != ScalarStyle.Plain))
        {
            return JsonValue.Create(scalar.Value);
        }
        var value = ResolvePlain(scalar.Value);
        var kind = value?.GetValueKind();
        var fits = tag switch
        {
            null => true,
            TagPrefix + "null" => value is null,
            TagPrefix + "bool" => kind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False,
            TagPrefix + "int" => kind is System.Text.Json.JsonValueKind.Number && IntPattern().IsMatch(scalar.Value),
            TagPrefix + "float" => kind is System.Text.Json.JsonValueKind.Number,
            _ => throw new ManifestSyntaxException(scalar.Start.Line, scalar.Start.Column, $"unsupported YAML tag {tag}"),
        };
        return fits ? value : throw new ManifestSyntaxException(scalar.Start.Line, scalar.Start.Column,
            $"the value tagged {tag!.Replace(TagPrefix, "!!", StringComparison.Ordinal)} does not have that type");
    }

    /// <summary>The YAML 1.2 core schema: null, booleans, integers (decimal, 0o octal, 0x hex) and floats; else a string.</summary>
    private static JsonNode? ResolvePlain(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return JsonValue.Create(true);
            case "false" or "False" or "FALSE": return JsonValue.Create(false);
        }
        if (IntPattern().IsMatch(text))
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)) { return JsonValue.Create(whole); }
            if (decimal.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)) { return JsonValue.Create(big); }
        }
        else if (text.StartsWith("0x", StringComparison.Ordinal) && HexPattern().IsMatch(text))
        {
            if (long.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0) { return JsonValue.Create(hex); }
        }
        else if (text.StartsWith("0o", StringComparison.Ordinal) && OctalPattern().IsMatch(text))
        {
            try { return JsonValue.Create(Convert.ToInt64(text[2..], 8)); }
            catch (OverflowException) { return JsonValue.Create(text); }
        }
        if (FloatPattern().IsMatch(text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }
        // .inf and .nan have no JSON form; as strings they fail with a clear "expected a number" where a number is wanted.
        return JsonValue.Create(text);
    }

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntPattern();

    [GeneratedRegex("^0x[0-9a-fA-F]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HexPattern();

    [GeneratedRegex("^0o[0-7]+$", RegexOptions.CultureInvariant)]
    private static partial Regex OctalPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
