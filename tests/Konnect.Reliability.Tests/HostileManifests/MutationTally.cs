using System.Globalization;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>Counts verdicts over a run, keeps the slowest mutant and the first failures in full for the report.</summary>
internal sealed class MutationTally
{
    private const int KeptFailures = 20;
    private readonly Dictionary<Verdict, int> _counts = Enum.GetValues<Verdict>().ToDictionary(v => v, _ => 0);
    private readonly List<string> _failures = [];
    private readonly List<double> _milliseconds = [];
    // Time spent per kind of mutation, to see which inputs cost Konnect most.
    private readonly SortedDictionary<string, (int Count, TimeSpan Time)> _byKind = new(StringComparer.Ordinal);

    public int Total => _counts.Values.Sum();
    public int Failed => _counts[Verdict.RefusedWithoutReason] + _counts[Verdict.Crashed] + _counts[Verdict.Hung];
    public TimeSpan Slowest { get; private set; }
    public string SlowestMutant { get; private set; } = "";
    public IReadOnlyList<string> Failures => _failures;

    public int this[Verdict verdict] => _counts[verdict];

    public void Add(Mutant mutant, Verdict verdict, TimeSpan elapsed, string? detail)
    {
        _counts[verdict]++;
        _milliseconds.Add(elapsed.TotalMilliseconds);
        foreach (var kind in mutant.Mutations.Select(m => m.Split(' ')[0]).Distinct())
        {
            var (count, time) = _byKind.GetValueOrDefault(kind);
            _byKind[kind] = (count + 1, time + elapsed);
        }
        if (elapsed > Slowest)
        {
            Slowest = elapsed;
            SlowestMutant = mutant.ToString();
        }
        if (verdict is Verdict.RefusedWithoutReason or Verdict.Crashed or Verdict.Hung && _failures.Count < KeptFailures)
        {
            _failures.Add($"{verdict}: {mutant}: {ValidateRun.Shorten(detail ?? "")}");
        }
    }

    /// <summary>A failure that is not one mutant's (the gateway's answers changed, it stopped answering).</summary>
    public void AddFailure(string failure)
    {
        if (_failures.Count < KeptFailures) { _failures.Add(failure); }
    }

    /// <summary>Per kind of mutation: how many, and their mean and total time.</summary>
    public string Timings => string.Join("\n", _byKind.Select(k =>
        $"  {k.Key}: {k.Value.Count}, mean {(k.Value.Time.TotalMilliseconds / k.Value.Count).ToString("0.0", CultureInfo.InvariantCulture)} ms, "
        + $"total {k.Value.Time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s"));

    /// <summary>The time below which <paramref name="share"/> of the mutants were done, in ms.</summary>
    public double Percentile(double share)
    {
        if (_milliseconds.Count == 0) { return 0; }
        var sorted = _milliseconds.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)(share * sorted.Count))];
    }

    public string Summary => string.Join(", ", _counts.Select(c => $"{c.Key} {c.Value.ToString(CultureInfo.InvariantCulture)}"))
        + $"; p50 {Percentile(0.5).ToString("0.0", CultureInfo.InvariantCulture)} ms, p99 {Percentile(0.99).ToString("0", CultureInfo.InvariantCulture)} ms"
        + $"; slowest {Slowest.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms ({SlowestMutant})";
}
