using System.Globalization;
using System.Text;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>The mutations themselves: each changes the tree, the text or the bytes and says what it did.</summary>
internal sealed partial class ManifestMutator
{
    private static readonly string[] EmptyDocuments = ["", "---\n", "~\n", "null\n", "[]\n", "{}\n", "---\n---\n...\n", "# only a comment\n", "\n\n   \n"];

    private static (string, string) EmptyDocument(string text, Random random, HostileValues values)
    {
        var which = random.Next(EmptyDocuments.Length);
        return (EmptyDocuments[which], $"#{which}");
    }

    /// <summary>A place in the tree that holds a value: a mapping entry or a list item, with its path for messages.</summary>
    private readonly record struct Slot(YamlNode Parent, int Index, string Path)
    {
        public YamlNode Value => Parent is MapNode map ? map.Entries[Index].Value : ((SeqNode)Parent).Items[Index];

        public string? Key => Parent is MapNode map ? map.Entries[Index].Key : null;

        public void Set(YamlNode value)
        {
            if (Parent is MapNode map) { map.Entries[Index] = (map.Entries[Index].Key, value); }
            else { ((SeqNode)Parent).Items[Index] = value; }
        }
    }

    private static List<Slot> Slots(YamlNode node, string path, List<Slot>? into = null)
    {
        into ??= [];
        switch (node)
        {
            case MapNode map:
                for (var i = 0; i < map.Entries.Count; i++)
                {
                    var at = path.Length == 0 ? map.Entries[i].Key : $"{path}.{map.Entries[i].Key}";
                    into.Add(new Slot(map, i, at));
                    Slots(map.Entries[i].Value, at, into);
                }
                break;
            case SeqNode seq:
                for (var i = 0; i < seq.Items.Count; i++)
                {
                    var at = $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]";
                    into.Add(new Slot(seq, i, at));
                    Slots(seq.Items[i], at, into);
                }
                break;
        }
        return into;
    }

    private static IEnumerable<MapNode> Maps(YamlNode node) => node switch
    {
        MapNode map => new[] { map }.Concat(map.Entries.SelectMany(e => Maps(e.Value))),
        SeqNode seq => seq.Items.SelectMany(Maps),
        _ => [],
    };

    /// <summary>Replaces the value of a random slot that <paramref name="fits"/> (any slot when none fits).</summary>
    private static string OnSlot(MutationContext c, Func<Slot, bool>? fits, Func<Slot, YamlNode> make)
    {
        var slots = Slots(c.Tree, "");
        var candidates = fits is null ? slots : slots.Where(fits).ToList();
        if (candidates.Count == 0) { candidates = slots; }
        var slot = candidates[c.Random.Next(candidates.Count)];
        slot.Set(make(slot));
        return slot.Path;
    }

    private static string UnknownField(MutationContext c)
    {
        var maps = Maps(c.Tree).ToList();
        var map = maps[c.Random.Next(maps.Count)];
        var key = c.Values.UnknownKey(map.Entries.Select(e => e.Key).ToList());
        map.Entries.Insert(c.Random.Next(map.Entries.Count + 1), (key, c.Random.Next(3) == 0 ? c.Values.HugeString() : ScalarNode.String("surprise")));
        return $"\"{key}\"";
    }

    private static string DuplicateKey(MutationContext c)
    {
        var maps = Maps(c.Tree).Where(m => m.Entries.Count > 0).ToList();
        var map = c.Random.Next(4) == 0 ? c.Tree : maps[c.Random.Next(maps.Count)];
        var (key, value) = map.Entries[c.Random.Next(map.Entries.Count)];
        var copy = c.Random.Next(2) == 0 ? value.Clone() : c.Values.WrongType(value);
        map.Entries.Insert(c.Random.Next(map.Entries.Count + 1), (key, copy));
        return $"\"{key}\"";
    }

    private static string RemoveField(MutationContext c)
    {
        var slots = Slots(c.Tree, "");
        var slot = slots[c.Random.Next(slots.Count)];
        if (slot.Parent is MapNode map) { map.Entries.RemoveAt(slot.Index); }
        else { ((SeqNode)slot.Parent).Items.RemoveAt(slot.Index); }
        return slot.Path;
    }

    /// <summary>On a route, a path or header match that is a hostile regex; elsewhere, any string becomes one.</summary>
    private static string BacktrackingRegex(MutationContext c)
    {
        var pattern = c.Values.BacktrackingRegex();
        var shown = pattern.Value.Length > 40 ? pattern.Value[..40] + "..." : pattern.Value;
        if ((c.Tree["spec"] as MapNode)?["rules"] is SeqNode { Items.Count: > 0 } rules && rules.Items[c.Random.Next(rules.Items.Count)] is MapNode rule)
        {
            var match = new MapNode([]);
            if (c.Random.Next(2) == 0)
            {
                match.Set("path", new MapNode([("type", ScalarNode.Plain("RegularExpression")), ("value", pattern)]));
            }
            else
            {
                match.Set("path", new MapNode([("type", ScalarNode.Plain("PathPrefix")), ("value", ScalarNode.String("/regex"))]));
                var header = new MapNode([("name", ScalarNode.Plain("x-canary")), ("type", ScalarNode.Plain("RegularExpression")), ("value", pattern)]);
                match.Set(c.Random.Next(4) == 0 ? "query" : "headers", new SeqNode([header]));
            }
            rule.Set("matches", new SeqNode([match]));
            return $"in a match: {shown}";
        }
        OnSlot(c, s => s.Value is ScalarNode { Quoted: true }, _ => pattern);
        return $"in a string: {shown}";
    }

    private static readonly string[] CountingKeys = ["weight", "port", "percent", "requests", "attempts", "maxTokens", "tokens", "failureRatio", "minimumThroughput", "number", "generation"];

    private static string NegativeNumber(MutationContext c)
    {
        var slots = Slots(c.Tree, "");
        var counting = slots.Where(s => s.Key is { } k && CountingKeys.Contains(k)).ToList();
        var slot = counting.Count > 0 ? counting[c.Random.Next(counting.Count)] : slots[c.Random.Next(slots.Count)];
        slot.Set(c.Values.Negative());
        return slot.Path;
    }

    private static string WrongApiVersionOrKind(MutationContext c)
    {
        var field = c.Random.Next(2) == 0 ? "apiVersion" : "kind";
        var apiVersion = (c.Tree["apiVersion"] as ScalarNode)?.Value ?? "";
        var kind = (c.Tree["kind"] as ScalarNode)?.Value ?? "";
        YamlNode value = c.Random.Next(7) switch
        {
            0 => ScalarNode.String(field == "kind" ? kind.ToLowerInvariant() : apiVersion.Replace("v1alpha1", "v1", StringComparison.Ordinal)),
            1 => ScalarNode.String(field == "kind" ? kind + "s" : "v2"),
            2 => ScalarNode.String(""),
            3 => ScalarNode.Plain("42"),
            4 => new SeqNode([ScalarNode.String(field == "kind" ? kind : apiVersion)]),
            5 => ScalarNode.String(field == "kind" ? "List" : "konnect.dev/v1alpha1"),
            _ => ScalarNode.String(field == "kind" ? "KonnectRoute" : "discovery.k8s.io/v1"),
        };
        c.Tree.Set(field, value);
        return field;
    }

    /// <summary>The object inside a List (or a typed FooList), with the list itself sometimes malformed.</summary>
    private static string ListWrapper(MutationContext c)
    {
        var inner = new MapNode(c.Tree.Entries.ToList());
        var kind = (inner["kind"] as ScalarNode)?.Value ?? "Thing";
        c.Tree.Entries.Clear();
        c.Tree.Entries.Add(("apiVersion", ScalarNode.Plain("v1")));
        var typed = c.Random.Next(2) == 0;
        c.Tree.Entries.Add(("kind", ScalarNode.String(typed ? kind + "List" : "List")));
        YamlNode items = c.Random.Next(5) switch
        {
            0 => ScalarNode.String("not a list"),
            1 => new SeqNode([inner, ScalarNode.Plain("~"), ScalarNode.Plain("7")]),
            2 => new SeqNode([new SeqNode([inner])]),
            _ => new SeqNode([inner, inner.Clone()]),
        };
        c.Tree.Entries.Add(("items", items));
        return typed ? "typed" : "plain";
    }

    private static (string, string) ManyDocuments(string text, Random random, HostileValues values)
    {
        // Bounded by size too: copies of an already huge document would make gigabytes.
        var copies = Math.Max(2, Math.Min(random.Next(500, 5_000), values.HugeBytes / Math.Max(1, text.Length)));
        var many = new StringBuilder(text.Length * copies);
        for (var i = 0; i < copies; i++) { many.Append(random.Next(3) == 0 ? "--- # again\n" : "---\n").Append(text); }
        return (many.ToString(), $"x{copies}");
    }

    private static (string, string) LineGarbage(string text, Random random, HostileValues _)
    {
        var lines = text.Split('\n').ToList();
        var at = random.Next(lines.Count);
        var what = random.Next(5);
        switch (what)
        {
            case 0: lines.RemoveAt(at); break;
            case 1: lines.Insert(at, lines[at]); break;
            case 2: lines[at] = " " + lines[at]; break;
            case 3: lines[at] = "\t" + lines[at].TrimStart(' '); break;
            default: lines[at] = lines[at].TrimStart(' '); break;
        }
        return (string.Join(random.Next(4) == 0 ? "\r\n" : "\n", lines), $"{(new[] { "delete", "duplicate", "indent", "tab", "dedent" })[what]} line {at + 1}");
    }

    private static readonly string[] Strays = ["[", "{", "]", "}", "\"", "'", "&", "*", "!", "|", ">", "%", "@", "`", ": ", "- ", "? ", "#", ",", "<<: "];

    private static (string, string) StraySyntax(string text, Random random, HostileValues _)
    {
        var stray = Strays[random.Next(Strays.Length)];
        var at = random.Next(text.Length + 1);
        return (text[..at] + stray + text[at..], $"\"{stray.Trim()}\" at {at}");
    }

    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xFE], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    private static (byte[], string) InvalidUtf8(byte[] bytes, string _, Random random)
    {
        var bad = BadUtf8[random.Next(BadUtf8.Length)];
        var at = random.Next(bytes.Length + 1);
        return ([.. bytes.AsSpan(0, at), .. bad, .. bytes.AsSpan(at)], $"{Convert.ToHexString(bad)} at byte {at}");
    }

    private static readonly byte[][] ControlBytes = [[0x00], [0x01], [0x1B], [0x7F], [0x0C], [0x0B], [0x0D], [0xEF, 0xBB, 0xBF], [0xC2, 0x85], [0xE2, 0x80, 0xA8]];

    private static (byte[], string) RawControlBytes(byte[] bytes, string _, Random random)
    {
        var bad = ControlBytes[random.Next(ControlBytes.Length)];
        var at = random.Next(bytes.Length + 1);
        return ([.. bytes.AsSpan(0, at), .. bad, .. bytes.AsSpan(at)], $"{Convert.ToHexString(bad)} at byte {at}");
    }
}
