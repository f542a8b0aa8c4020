using System.Globalization;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// Which mutants a run makes. Quick (`make test`): 300 of seed 22, so the run is the same every time. Full
/// (`make reliability`): 10,000 of a new seed each run. Either is made again with KONNECT_MUTATION_SEED (and
/// KONNECT_MUTATION_COUNT); KONNECT_MUTATION_ONLY=i makes mutant i alone, for a failure the report names, and prints
/// what Konnect made of it. For triage: KONNECT_MUTATION_SHOW=accepted prints every mutant validate accepted, and
/// KONNECT_MUTATION_DUMP=FILE collects what `konnect run` wrote during each folder-mode batch.
/// </summary>
internal sealed record MutationSettings(int Seed, int Count, int? Only, int HugeBytes)
{
    public const int QuickSeed = 22;

    // One new seed per process, so the validate and folder-mode runs of one `make reliability` make the same mutants.
    private static readonly int FullSeed = Environment.TickCount & int.MaxValue;

    /// <summary>The indexes to run: 0..Count-1, or the one asked for.</summary>
    public IEnumerable<int> Indexes => Only is { } one ? [one] : Enumerable.Range(0, Count);

    public int Runs => Only is null ? Count : 1;

    public static MutationSettings FromEnvironment() => new(
        Number("KONNECT_MUTATION_SEED") ?? ReliabilityFigures.Size(QuickSeed, FullSeed),
        Number("KONNECT_MUTATION_COUNT") ?? ReliabilityFigures.Size(300, 10_000),
        Number("KONNECT_MUTATION_ONLY"),
        // Megabytes at full size, as the issue asks; a quarter of that keeps the quick run quick.
        ReliabilityFigures.Size(512 * 1024, 2 * 1024 * 1024));

    public override string ToString() =>
        $"seed {Seed.ToString(CultureInfo.InvariantCulture)}, {(Only is { } one ? $"mutant {one} only" : $"{Count} mutants")}"
        + $" (rerun: {RerunSize}KONNECT_MUTATION_SEED={Seed} KONNECT_MUTATION_COUNT={Count})";

    /// <summary>
    /// What a rerun must also set to make the same bytes: huge values and repeated documents are sized by the run
    /// (<see cref="HugeBytes"/>), so a full run's mutant is only made again at full size.
    /// </summary>
    public static string RerunSize => ReliabilityFigures.Full ? "KONNECT_RELIABILITY=full " : "";

    private static int? Number(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
