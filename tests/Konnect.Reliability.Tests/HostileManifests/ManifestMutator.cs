using System.Globalization;
using System.Text;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>One generated hostile manifest file.</summary>
/// <param name="Index">Its number in the run: with the seed, all it takes to make it again.</param>
/// <param name="Source">The sample document it was made from (file#document).</param>
/// <param name="Mutations">What was done to it, in order.</param>
internal sealed record Mutant(int Index, int Seed, string Source, IReadOnlyList<string> Mutations, byte[] Bytes)
{
    public string FileName => $"m{Index.ToString("D5", CultureInfo.InvariantCulture)}.yaml";

    /// <summary>Every object a mutant holds is named with this prefix, so it never takes a sample's name.</summary>
    public string NamePrefix => $"zz-m{Index.ToString("D5", CultureInfo.InvariantCulture)}-";

    public override string ToString() =>
        $"mutant {Index} of seed {Seed} ({Source}: {string.Join(", ", Mutations)}; {Bytes.Length} bytes; "
        + $"rerun: {MutationSettings.RerunSize}KONNECT_MUTATION_SEED={Seed} KONNECT_MUTATION_ONLY={Index})";
}

/// <summary>
/// Makes hostile manifests from the samples, deterministically: mutant i of seed s is always the same bytes (its own
/// <see cref="Random"/> is seeded from both), so one failure can be made again alone. Each mutant is one sample
/// document, renamed so it cannot replace or feed a sample's own objects, then broken one to three times: in its
/// tree (types, sizes, depth, keys, regexes, numbers), in its text (truncation, stray syntax) or in its bytes
/// (invalid UTF-8, control bytes, UTF-16).
/// </summary>
internal sealed partial class ManifestMutator(IReadOnlyList<SampleDocument> samples, int seed, int hugeBytes)
{
    public int Seed => seed;

    public Mutant Make(int index)
    {
        var random = new Random(unchecked((seed * 1_000_003) + index));
        var values = new HostileValues(random, hugeBytes);
        // Mostly the kinds Konnect reads; now and then another kind, which Konnect must only note.
        var pool = random.Next(20) == 0 ? samples : samples.Where(s => SampleDocuments.ReadKinds.Contains(s.Kind)).ToList();
        var sample = pool[random.Next(pool.Count)];
        var tree = (MapNode)sample.Tree.Clone();
        var prefix = $"zz-m{index.ToString("D5", CultureInfo.InvariantCulture)}-";
        Isolate(tree, prefix);

        var count = random.Next(100) switch { < 70 => 1, < 92 => 2, _ => 3 };
        var applied = new List<string>();
        var later = new List<Mutation>();
        for (var i = 0; i < count; i++)
        {
            var mutation = Mutations[Pick(random)];
            if (mutation.Stage == Stage.Tree) { applied.Add($"{mutation.Name} {mutation.Tree!(new MutationContext(tree, random, values, prefix))}"); }
            else { later.Add(mutation); }
        }

        var text = YamlWriter.Write(tree);
        foreach (var mutation in later.Where(m => m.Stage == Stage.Text))
        {
            (text, var what) = mutation.Text!(text, random, values);
            applied.Add($"{mutation.Name} {what}");
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        foreach (var mutation in later.Where(m => m.Stage == Stage.Bytes))
        {
            (bytes, var what) = mutation.Bytes!(bytes, text, random);
            applied.Add($"{mutation.Name} {what}");
        }
        return new Mutant(index, seed, $"{sample.File}#{sample.Index}", applied, bytes);
    }

    /// <summary>
    /// Renames the object (and points an EndpointSlice at a Service of the same new name), so a mutant that stays
    /// valid is an object of its own: it never replaces a sample's object or adds endpoints to a sample's Service.
    /// </summary>
    private static void Isolate(MapNode tree, string prefix)
    {
        if (tree["metadata"] is not MapNode metadata) { return; }
        if (metadata["name"] is ScalarNode name) { metadata.Set("name", ScalarNode.String(prefix + name.Value)); }
        if (metadata["labels"] is MapNode labels && labels["kubernetes.io/service-name"] is ScalarNode service)
        {
            labels.Set("kubernetes.io/service-name", ScalarNode.String(prefix + service.Value));
        }
    }

    private static int Pick(Random random)
    {
        var total = Mutations.Sum(m => m.Weight);
        var roll = random.Next(total);
        for (var i = 0; i < Mutations.Length; i++)
        {
            if ((roll -= Mutations[i].Weight) < 0) { return i; }
        }
        return Mutations.Length - 1;
    }

    private enum Stage { Tree, Text, Bytes }

    private sealed record MutationContext(MapNode Tree, Random Random, HostileValues Values, string Prefix);

    private sealed record Mutation(
        string Name, int Weight, Stage Stage,
        Func<MutationContext, string>? Tree = null,
        Func<string, Random, HostileValues, (string, string)>? Text = null,
        Func<byte[], string, Random, (byte[], string)>? Bytes = null);

    private static readonly Mutation[] Mutations =
    [
        new("wrong-type", 12, Stage.Tree, Tree: c => OnSlot(c, null, s => c.Values.WrongType(s.Value))),
        new("huge-string", 2, Stage.Tree, Tree: c => OnSlot(c, s => s.Value is ScalarNode, _ => c.Values.HugeString())),
        new("huge-list", 1, Stage.Tree, Tree: c => OnSlot(c, null, s => c.Values.HugeList(s.Value is SeqNode { Items.Count: > 0 } l ? l.Items[0] : null))),
        new("huge-map", 1, Stage.Tree, Tree: c => OnSlot(c, s => s.Value is MapNode, _ => c.Values.HugeMap())),
        new("deep-nesting", 4, Stage.Tree, Tree: c => OnSlot(c, null, _ => c.Values.DeepNesting())),
        new("alias-bomb", 2, Stage.Tree, Tree: c => OnSlot(c, null, _ => c.Values.AliasBomb())),
        new("unknown-field", 8, Stage.Tree, Tree: UnknownField),
        new("duplicate-key", 6, Stage.Tree, Tree: DuplicateKey),
        new("remove-field", 8, Stage.Tree, Tree: RemoveField),
        new("backtracking-regex", 9, Stage.Tree, Tree: BacktrackingRegex),
        new("number-out-of-range", 6, Stage.Tree, Tree: c => OnSlot(c, s => s.Value is ScalarNode { Quoted: false }, _ => c.Values.Number())),
        new("negative-number", 4, Stage.Tree, Tree: NegativeNumber),
        new("empty-value", 6, Stage.Tree, Tree: c => OnSlot(c, null, _ => c.Values.Empty())),
        new("control-characters", 5, Stage.Tree, Tree: c => OnSlot(c, s => s.Value is ScalarNode, s => c.Values.ControlCharacters(((ScalarNode)s.Value).Value))),
        new("yaml-tag", 3, Stage.Tree, Tree: c => OnSlot(c, s => s.Value is ScalarNode, _ => c.Values.Tagged())),
        new("wrong-api-version-or-kind", 4, Stage.Tree, Tree: WrongApiVersionOrKind),
        new("list-wrapper", 2, Stage.Tree, Tree: ListWrapper),
        new("empty-document", 2, Stage.Text, Text: EmptyDocument),
        new("many-documents", 1, Stage.Text, Text: ManyDocuments),
        new("truncate", 3, Stage.Text, Text: (t, r, _) => { var at = r.Next(t.Length + 1); return (t[..at], $"at {at}"); }),
        new("line-garbage", 4, Stage.Text, Text: LineGarbage),
        new("stray-syntax", 3, Stage.Text, Text: StraySyntax),
        new("invalid-utf8", 5, Stage.Bytes, Bytes: InvalidUtf8),
        new("raw-control-bytes", 3, Stage.Bytes, Bytes: RawControlBytes),
        new("utf16", 1, Stage.Bytes, Bytes: (_, t, r) => r.Next(2) == 0
            ? ([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(t)], "with BOM")
            : (Encoding.Unicode.GetBytes(t), "without BOM")),
    ];
}
