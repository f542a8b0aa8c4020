using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// Writes a <see cref="YamlNode"/> tree as block YAML. Everything a mutation put in the tree is written as it is:
/// duplicate keys stay duplicated, raw text is spliced in, and a quoted string carries any character (control
/// characters as escapes), so what reaches Konnect is exactly the hostile input intended.
/// </summary>
internal static partial class YamlWriter
{
    public static string Write(YamlNode root)
    {
        var text = new StringBuilder();
        switch (root)
        {
            case MapNode { Entries.Count: > 0 } map: WriteMap(text, map, 0); break;
            case SeqNode { Items.Count: > 0 } seq: WriteSeq(text, seq, 0); break;
            default: text.Append(Inline(root)).Append('\n'); break;
        }
        return text.ToString();
    }

    private static void WriteMap(StringBuilder text, MapNode map, int indent)
    {
        foreach (var (key, value) in map.Entries)
        {
            text.Append(' ', indent).Append(Key(key)).Append(':');
            WriteValue(text, value, indent);
        }
    }

    private static void WriteSeq(StringBuilder text, SeqNode seq, int indent)
    {
        foreach (var item in seq.Items)
        {
            text.Append(' ', indent).Append('-');
            WriteValue(text, item, indent);
        }
    }

    /// <summary>After "key:" or "-": a scalar on the same line, a collection on the lines below, one level deeper.</summary>
    private static void WriteValue(StringBuilder text, YamlNode value, int indent)
    {
        switch (value)
        {
            case MapNode { Entries.Count: > 0 } map:
                text.Append('\n');
                WriteMap(text, map, indent + 2);
                break;
            case SeqNode { Items.Count: > 0 } seq:
                text.Append('\n');
                WriteSeq(text, seq, indent + 2);
                break;
            default:
                text.Append(' ').Append(Inline(value)).Append('\n');
                break;
        }
    }

    private static string Inline(YamlNode node) => node switch
    {
        MapNode => "{}",
        SeqNode => "[]",
        RawNode raw => raw.Text,
        ScalarNode { Quoted: false } plain => plain.Value,
        ScalarNode quoted => Quote(quoted.Value),
        _ => "~",
    };

    private static string Key(string key) => SafeKey().IsMatch(key) ? key : Quote(key);

    /// <summary>A YAML double-quoted scalar: every character YAML cannot carry literally is escaped.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
                continue;
            }
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < 0x20 || c is '\u007f' or '\u0085' or '\u2028' or '\u2029' or '\ufeff' || char.IsSurrogate(c))
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else { text.Append(c); }
                    break;
            }
        }
        return text.Append('"').ToString();
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_./-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SafeKey();
}
