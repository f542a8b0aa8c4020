using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// A YAML tree the mutator can break in ways a parser's own model cannot hold: a mapping keeps duplicate keys (it is a
/// list of pairs), and a <see cref="RawNode"/> carries text spliced in as written (alias bombs, deep flow nesting).
/// </summary>
internal abstract class YamlNode
{
    public abstract YamlNode Clone();

    /// <summary>The sample's own tree, from YamlDotNet's model (which has already expanded any alias).</summary>
    public static YamlNode From(YamlDotNet.RepresentationModel.YamlNode node) => node switch
    {
        YamlMappingNode map => new MapNode(map.Children.Select(c => (Text(c.Key), From(c.Value))).ToList()),
        YamlSequenceNode seq => new SeqNode(seq.Children.Select(From).ToList()),
        YamlScalarNode scalar => new ScalarNode(scalar.Value ?? "", quoted: scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any)),
        _ => new ScalarNode("", quoted: false),
    };

    private static string Text(YamlDotNet.RepresentationModel.YamlNode key) => (key as YamlScalarNode)?.Value ?? "";
}

internal sealed class MapNode(List<(string Key, YamlNode Value)> entries) : YamlNode
{
    public List<(string Key, YamlNode Value)> Entries { get; } = entries;

    public YamlNode? this[string key] => Entries.FirstOrDefault(e => e.Key == key).Value;

    public void Set(string key, YamlNode value)
    {
        var at = Entries.FindIndex(e => e.Key == key);
        if (at >= 0) { Entries[at] = (key, value); }
        else { Entries.Add((key, value)); }
    }

    public override YamlNode Clone() => new MapNode(Entries.Select(e => (e.Key, e.Value.Clone())).ToList());
}

internal sealed class SeqNode(List<YamlNode> items) : YamlNode
{
    public List<YamlNode> Items { get; } = items;

    public override YamlNode Clone() => new SeqNode(Items.Select(i => i.Clone()).ToList());
}

/// <summary>A scalar: plain (written as is: numbers, booleans, null, simple words) or quoted (written double-quoted, escaped).</summary>
internal sealed class ScalarNode(string value, bool quoted) : YamlNode
{
    public string Value { get; } = value;
    public bool Quoted { get; } = quoted;

    public static ScalarNode Plain(string value) => new(value, quoted: false);

    public static ScalarNode String(string value) => new(value, quoted: true);

    public override YamlNode Clone() => this;
}

/// <summary>One line of YAML written verbatim where a value goes (flow style, so it fits any indentation).</summary>
internal sealed class RawNode(string text) : YamlNode
{
    public string Text { get; } = text;

    public override YamlNode Clone() => this;
}
