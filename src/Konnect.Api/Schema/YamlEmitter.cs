using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Konnect.Api.Schema;

/// <summary>
/// Writes a JSON tree as block-style YAML, deterministically (keys in insertion order), so generated CRDs and
/// golden files diff cleanly. Every string that a YAML 1.1 or 1.2 reader could take for something else is
/// quoted: the API server (YAML 1.1 rules) and most tools (1.2) must read back exactly the JSON we wrote.
/// </summary>
public static partial class YamlEmitter
{
    public static string Write(JsonNode? node)
    {
        var text = new StringBuilder();
        WriteBlock(node, text, 0);
        return text.ToString();
    }

    /// <summary>Writes a node whose first line starts at the cursor (already at column <paramref name="indent"/>).</summary>
    private static void WriteBlock(JsonNode? node, StringBuilder text, int indent)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                var firstKey = true;
                foreach (var (key, value) in obj)
                {
                    if (!firstKey) { text.Append(' ', indent); }
                    firstKey = false;
                    text.Append(Scalar(key)).Append(':');
                    WriteValueAfterKey(value, text, indent);
                }
                break;
            case JsonArray array when array.Count > 0:
                var firstItem = true;
                foreach (var item in array)
                {
                    if (!firstItem) { text.Append(' ', indent); }
                    firstItem = false;
                    text.Append("- ");
                    if (IsInline(item)) { text.Append(Inline(item)).Append('\n'); }
                    else { WriteBlock(item, text, indent + 2); }
                }
                break;
            default:
                text.Append(Inline(node)).Append('\n');
                break;
        }
    }

    private static void WriteValueAfterKey(JsonNode? value, StringBuilder text, int indent)
    {
        if (IsInline(value))
        {
            text.Append(' ').Append(Inline(value)).Append('\n');
            return;
        }
        text.Append('\n');
        // Sequences sit at the key's own column, as kubectl and controller-gen write them; mappings nest by two.
        var childIndent = value is JsonArray ? indent : indent + 2;
        text.Append(' ', childIndent);
        WriteBlock(value, text, childIndent);
    }

    private static bool IsInline(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Count == 0,
        JsonArray array => array.Count == 0,
        _ => true,
    };

    private static string Inline(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => Scalar(value.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Null => "null",
            // JSON number text is also a YAML number in both 1.1 and 1.2 (1E+30 included).
            JsonValueKind.Number => value.ToJsonString(),
            var kind => throw new InvalidOperationException($"YAML emitter: unexpected JSON value kind {kind}."),
        },
        _ => throw new InvalidOperationException($"YAML emitter: unexpected node {node.GetType().Name}."),
    };

    /// <summary>A string as a YAML scalar: plain when it cannot be misread, otherwise quoted.</summary>
    internal static string Scalar(string value)
    {
        if (NeedsDoubleQuotes(value)) { return DoubleQuoted(value); }
        return NeedsQuotes(value) ? "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'" : value;
    }

    private static bool NeedsQuotes(string value)
    {
        if (value.Length == 0 || value[0] == ' ' || value[^1] == ' ') { return true; }
        if ("-?:,[]{}#&*!|>'\"%@`<=".Contains(value[0], StringComparison.Ordinal)) { return true; }
        if (value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal) || value[^1] == ':')
        {
            return true;
        }
        return ReservedWord().IsMatch(value) || NumberLike().IsMatch(value);
    }

    /// <summary>Control characters and the extra line breaks of YAML 1.1 cannot appear raw in any other style.</summary>
    private static bool NeedsDoubleQuotes(string value)
    {
        foreach (var c in value)
        {
            if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' || c == '\uFEFF' || char.IsSurrogate(c))
            {
                return true;
            }
        }
        return false;
    }

    private static string DoubleQuoted(string value)
    {
        var text = new StringBuilder(value.Length + 8).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\0': text.Append("\\0"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                    {
                        text.Append(c).Append(value[++i]);
                    }
                    else if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' || c == '\uFEFF' || char.IsSurrogate(c))
                    {
                        text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    // YAML 1.1 booleans and nulls (y, n, yes, on, ...) besides 1.2's; readers differ on case, so any case counts.
    [GeneratedRegex("^(y|n|yes|no|true|false|on|off|null|~)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReservedWord();

    // Anything that starts like a number and uses only number, hex, exponent, sexagesimal or timestamp
    // characters: deliberately wider than any one schema, since a needless quote costs nothing.
    [GeneratedRegex(@"^([-+]?\.?[0-9][0-9a-fA-FxXoObB_.:+\-eEtTzZ ]*|[-+]?\.(inf|nan))$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NumberLike();
}
