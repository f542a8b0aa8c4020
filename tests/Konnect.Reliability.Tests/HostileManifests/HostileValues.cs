using System.Globalization;
using System.Text;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// The values a hostile or careless author puts in a manifest: the wrong type, megabytes where a word goes, nesting
/// thousands of levels deep, alias bombs, regexes that backtrack, numbers no field can hold, control characters.
/// </summary>
/// <param name="hugeBytes">The largest string, list or map made, in bytes written (about).</param>
internal sealed class HostileValues(Random random, int hugeBytes)
{
    public int HugeBytes => hugeBytes;

    /// <summary>
    /// Patterns that take a backtracking engine exponential or polynomial time on a near-miss input (the classic
    /// ReDoS shapes), constructs a linear-time engine cannot run, patterns too large to compile, and patterns that
    /// are valid on their own but not once wrapped as a whole-value match.
    /// </summary>
    public static readonly string[] Regexes =
    [
        "(a+)+$", "(a|aa)+$", "(a|a?)+$", "(.*a){25}", "^(([a-z])+.)+[A-Z]([a-z])+$", @"(\w+\s?)*$", "([a-zA-Z]+)*@",
        "(x+x+)+y", "(a{1,100}){1,100}", "(a{1,1000}){1,1000}{1,1000}", ".{65535}", @"\d{100000}", "(?:a?){40}a{40}",
        "(?x)a#", "(?x)/orders # a comment", "(?#", "a)(b", "(a", "[", "\\", @"\1(a)", "(?<n>a)\\k<n>", "(?<=a)b", "(?!a)b",
        "(?>a+)b", "a{2147483647}", "a{1,2147483647}", @"\p{IsNoSuchBlock}", "a**", "(?:)*", "$^", "[^\\s\\S]+", "\0",
        "(?i)/ORDERS", "/orders\n", "/orders|.*", "(?s).*",
    ];

    public YamlNode WrongType(YamlNode current) => current switch
    {
        MapNode => random.Next(3) switch { 0 => List(ScalarNode.Plain("1")), 1 => ScalarNode.Plain("42"), _ => ScalarNode.String("a mapping was expected") },
        SeqNode => random.Next(3) switch { 0 => new MapNode([("item", ScalarNode.Plain("1"))]), 1 => ScalarNode.Plain("true"), _ => ScalarNode.String("[not, a, list]") },
        ScalarNode { Quoted: true } => random.Next(4) switch
        {
            0 => ScalarNode.Plain("12345"), 1 => ScalarNode.Plain("false"), 2 => new MapNode([("value", ScalarNode.Plain("1"))]), _ => List(ScalarNode.Plain("x")),
        },
        _ => random.Next(5) switch
        {
            0 => ScalarNode.String("not a number"), 1 => ScalarNode.Plain("3.75"), 2 => ScalarNode.Plain("true"),
            3 => new MapNode([("nested", ScalarNode.Plain("1"))]), _ => List(ScalarNode.Plain("1"), ScalarNode.Plain("2")),
        },
    };

    /// <summary>A string of a quarter of <see cref="hugeBytes"/> up to all of it: one character, a repeated word, or many scripts.</summary>
    public ScalarNode HugeString()
    {
        var length = random.Next(hugeBytes / 4, hugeBytes);
        var unit = random.Next(4) switch { 0 => "a", 1 => "/orders", 2 => "é€𝄞", _ => "api.example.com." };
        var text = new StringBuilder(length + unit.Length);
        while (text.Length < length) { text.Append(unit); }
        return ScalarNode.String(text.ToString());
    }

    /// <summary>Thousands to hundreds of thousands of items: copies of <paramref name="item"/> or numbers.</summary>
    public SeqNode HugeList(YamlNode? item)
    {
        var itemBytes = item is null ? 8 : Math.Max(4, YamlWriter.Write(item).Length);
        var count = random.Next(hugeBytes / 4, hugeBytes) / itemBytes;
        var items = new List<YamlNode>(count);
        // Copies, not one node many times: a later mutation of one item must not grow them all.
        for (var i = 0; i < count; i++) { items.Add(item?.Clone() ?? ScalarNode.Plain(i.ToString(CultureInfo.InvariantCulture))); }
        return new SeqNode(items);
    }

    /// <summary>A mapping with tens of thousands of distinct keys (labels, headers, unknown fields).</summary>
    public MapNode HugeMap()
    {
        var count = random.Next(hugeBytes / 64, hugeBytes / 16);
        var entries = new List<(string, YamlNode)>(count);
        for (var i = 0; i < count; i++) { entries.Add(("k" + i.ToString(CultureInfo.InvariantCulture), ScalarNode.String("v"))); }
        return new MapNode(entries);
    }

    /// <summary>Flow collections nested hundreds to tens of thousands of levels deep, on one line.</summary>
    public RawNode DeepNesting()
    {
        var depth = random.Next(4) switch { 0 => random.Next(65, 200), 1 => random.Next(200, 5_000), _ => random.Next(5_000, 50_000) };
        var (open, close) = random.Next(3) switch { 0 => ("[", "]"), 1 => ("{a: ", "}"), _ => ("[{a: ", "}]") };
        var text = new StringBuilder(depth * (open.Length + close.Length) + 1);
        for (var i = 0; i < depth; i++) { text.Append(open); }
        text.Append('x');
        for (var i = 0; i < depth; i++) { text.Append(close); }
        return new RawNode(text.ToString());
    }

    /// <summary>
    /// "Billion laughs": ten levels of anchors, each a list of ten aliases to the one before (10^10 values once
    /// expanded); or merge keys that multiply the same way; or an alias to an anchor never defined.
    /// </summary>
    public RawNode AliasBomb()
    {
        var width = random.Next(5, 12);
        var levels = random.Next(6, 12);
        var text = new StringBuilder("{l0: &l0 [").Append(string.Join(", ", Enumerable.Repeat("\"lol\"", width))).Append(']');
        var merge = random.Next(3) == 0;
        for (var level = 1; level < levels; level++)
        {
            text.Append(", l").Append(level).Append(": &l").Append(level);
            if (merge)
            {
                // A merge key takes mappings; each level merges the previous mapping under `width` new keys.
                text.Append(" {").Append(string.Join(", ", Enumerable.Range(0, width).Select(i => $"k{i}: *l{level - 1}"))).Append('}');
            }
            else
            {
                text.Append(" [").Append(string.Join(", ", Enumerable.Repeat($"*l{level - 1}", width))).Append(']');
            }
        }
        if (random.Next(5) == 0) { text.Append(", dangling: *nowhere"); }
        return new RawNode(text.Append('}').ToString());
    }

    public ScalarNode BacktrackingRegex()
    {
        var pattern = Regexes[random.Next(Regexes.Length)];
        if (random.Next(6) == 0)
        {
            // Very large alternations and groups: cheap to write, expensive to compile.
            pattern = random.Next(2) == 0
                ? string.Join('|', Enumerable.Range(0, random.Next(1_000, 20_000)).Select(i => "w" + i.ToString(CultureInfo.InvariantCulture)))
                : new string('(', 3_000) + "a" + new string(')', 3_000);
        }
        return ScalarNode.String(pattern);
    }

    /// <summary>Numbers no field can hold: beyond 32 and 64 bits, fractions where whole numbers go, infinities, NaN.</summary>
    public ScalarNode Number() => ScalarNode.Plain(random.Next(14) switch
    {
        0 => "2147483648", 1 => "-2147483649", 2 => "9223372036854775808", 3 => "-9223372036854775809",
        4 => "1e400", 5 => "-1e-400", 6 => "0x7FFFFFFFFFFFFFFFF", 7 => "1.5", 8 => ".nan", 9 => "-.inf",
        10 => "99999999999999999999999999999999999999", 11 => "0o777777777777777777777777", 12 => "65536", _ => "-0",
    });

    public ScalarNode Negative() => ScalarNode.Plain(random.Next(4) switch { 0 => "-1", 1 => "-100", 2 => "-2147483648", _ => "-0.5" });

    /// <summary>A string carrying control characters YAML can only write as escapes: NUL, CR/LF (header injection), ESC, DEL, BOM.</summary>
    public ScalarNode ControlCharacters(string around)
    {
        var bad = random.Next(9) switch
        {
            0 => "\0", 1 => "\r\nx-injected: 1", 2 => "\u001b[31m", 3 => "\u007f", 4 => "\ufeff", 5 => "\u0085", 6 => "\u2028", 7 => "\ud800", _ => "\t\v\f",
        };
        var at = random.Next(around.Length + 1);
        return ScalarNode.String(around[..at] + bad + around[at..]);
    }

    /// <summary>Tags Konnect does not resolve, and core tags on values that do not fit them.</summary>
    public RawNode Tagged() => new(random.Next(8) switch
    {
        0 => "!!binary aGVsbG8=", 1 => "!!timestamp 2001-12-14t21:59:43.10-05:00", 2 => "!custom value", 3 => "!!python/object:os.system x",
        4 => "!!int 3.5", 5 => "!!float abc", 6 => "!!set {a, b}", _ => "!<tag:example.com,2000:x> y",
    });

    /// <summary>A value that says nothing: empty string, null, empty collections.</summary>
    public YamlNode Empty() => random.Next(5) switch
    {
        0 => ScalarNode.String(""), 1 => ScalarNode.Plain("~"), 2 => ScalarNode.Plain("null"), 3 => new MapNode([]), _ => new SeqNode([]),
    };

    /// <summary>A field name no type declares, or one that differs from a real one only in case or spacing.</summary>
    public string UnknownKey(IReadOnlyList<string> existing) => random.Next(6) switch
    {
        0 => "x-unknown-" + random.Next(1000).ToString(CultureInfo.InvariantCulture),
        1 when existing.Count > 0 => existing[random.Next(existing.Count)].ToUpperInvariant(),
        2 when existing.Count > 0 => existing[random.Next(existing.Count)] + " ",
        3 => "",
        4 => "status",
        _ => "spec.rules",
    };

    private static SeqNode List(params YamlNode[] items) => new([.. items]);
}
