using System.Globalization;
using Konnect.Testing;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// Issue #22, part 4: generated mutations of the samples through `konnect validate` and through folder mode. No
/// crash, no hang, every refusal with a reason; in folder mode the samples' routes keep answering byte for byte as
/// they did before any mutant arrived. Seed and count are printed; any run is made again from them.
/// </summary>
public sealed class HostileManifestTests(ITestOutputHelper output) : IDisposable
{
    private const string Part = "hostile manifests";
    private static readonly TimeSpan ValidateDeadline = TimeSpan.FromSeconds(20);
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-mutants-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Validate_GeneratedMutations_NoCrashNoHangEveryRefusalHasAReason()
    {
        var settings = MutationSettings.FromEnvironment();
        output.WriteLine($"konnect validate, in process: {settings}");
        var mutator = new ManifestMutator(SampleDocuments.Load(), settings.Seed, settings.HugeBytes);
        var tally = new MutationTally();
        // Once over the samples first, so the slowest mutant is not merely the first one (JIT compilation).
        Assert.Equal(Verdict.Accepted, (await ValidateRun.RunAsync(SampleDocuments.Folder, ValidateDeadline)).Verdict);

        foreach (var index in settings.Indexes)
        {
            var mutant = mutator.Make(index);
            var path = Path.Combine(_dir, mutant.FileName);
            await File.WriteAllBytesAsync(path, mutant.Bytes);
            var outcome = await ValidateRun.RunAsync(path, ValidateDeadline);
            tally.Add(mutant, outcome.Verdict, outcome.Elapsed, outcome.Detail);
            if (settings.Only is not null || (outcome.Verdict == Verdict.Accepted && Environment.GetEnvironmentVariable("KONNECT_MUTATION_SHOW") == "accepted"))
            {
                // One mutant made again: everything about it, to see what Konnect made of it.
                output.WriteLine($"{mutant}\n{outcome.Verdict} in {outcome.Elapsed.TotalMilliseconds:0} ms, exit {outcome.ExitCode}\n"
                    + $"stdout: {ValidateRun.Shorten(outcome.Stdout)}\nstderr: {ValidateRun.Shorten(outcome.Stderr)}\n{outcome.Detail}");
            }
            File.Delete(path);
        }

        output.WriteLine(tally.Summary);
        output.WriteLine(tally.Timings);
        Record("validate: seed", settings.Seed.ToString(CultureInfo.InvariantCulture));
        Record("validate: mutations run", tally.Total.ToString(CultureInfo.InvariantCulture));
        Record("validate: refused with a reason", tally[Verdict.Refused].ToString(CultureInfo.InvariantCulture));
        Record("validate: accepted", tally[Verdict.Accepted].ToString(CultureInfo.InvariantCulture));
        Record("validate: refused without a reason", tally[Verdict.RefusedWithoutReason].ToString(CultureInfo.InvariantCulture), MetIf(tally[Verdict.RefusedWithoutReason] == 0));
        Record("validate: crashes", tally[Verdict.Crashed].ToString(CultureInfo.InvariantCulture), MetIf(tally[Verdict.Crashed] == 0));
        Record("validate: hangs", tally[Verdict.Hung].ToString(CultureInfo.InvariantCulture), MetIf(tally[Verdict.Hung] == 0));
        Record("validate: p50 / p99 ms", $"{ReliabilityFigures.Format(tally.Percentile(0.5), "0.0")} / {ReliabilityFigures.Format(tally.Percentile(0.99), "0")}");
        Record("validate: slowest ms", $"{ReliabilityFigures.Format(tally.Slowest.TotalMilliseconds, "0")}: {tally.SlowestMutant}");
        Assert.True(tally.Failed == 0, $"{settings}: {tally.Failed} failure(s):\n{string.Join("\n", tally.Failures)}");
    }

    [Fact]
    public async Task ValidateBinary_SomeMutations_SameVerdictAndLinesAsInProcess()
    {
        var settings = MutationSettings.FromEnvironment();
        var runs = ReliabilityFigures.Size(4, 40);
        var indexes = settings.Only is { } one ? [one] : Enumerable.Range(0, runs).Select(i => (int)((long)i * settings.Count / runs)).Distinct().ToList();
        output.WriteLine($"konnect validate, the binary: {settings}; mutants {string.Join(", ", indexes)}");
        var mutator = new ManifestMutator(SampleDocuments.Load(), settings.Seed, settings.HugeBytes);
        var differences = new List<string>();
        var tally = new MutationTally();

        foreach (var index in indexes)
        {
            var mutant = mutator.Make(index);
            var path = Path.Combine(_dir, mutant.FileName);
            await File.WriteAllBytesAsync(path, mutant.Bytes);
            var inProcess = await ValidateRun.RunAsync(path, ValidateDeadline);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var (code, stdout, stderr) = await Repo.RunAsync(Repo.StartInfo("dotnet", Repo.KonnectDll, "validate", path), TimeSpan.FromSeconds(120));
            var binary = ValidateRun.Judge(path, code, stdout, stderr, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            tally.Add(mutant, binary.Verdict, binary.Elapsed, binary.Detail ?? (binary.Verdict == HostileManifests.Verdict.Crashed ? stderr : null));
            if (binary.ExitCode != inProcess.ExitCode || binary.Stdout.Replace("\r", "", StringComparison.Ordinal) != inProcess.Stdout.Replace("\r", "", StringComparison.Ordinal))
            {
                differences.Add($"{mutant}: the binary exited {binary.ExitCode} with\n{ValidateRun.Shorten(binary.Stdout)}\nin process {inProcess.ExitCode} with\n{ValidateRun.Shorten(inProcess.Stdout)}");
            }
            File.Delete(path);
        }

        output.WriteLine(tally.Summary);
        Record("validate binary: mutations run", tally.Total.ToString(CultureInfo.InvariantCulture));
        Record("validate binary: same as in process", $"{tally.Total - differences.Count}/{tally.Total}", MetIf(differences.Count == 0));
        Assert.True(tally.Failed == 0, $"{settings}: {tally.Failed} failure(s):\n{string.Join("\n", tally.Failures)}");
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    private void Record(string figure, string value, string verdict = "") => ReliabilityFigures.Record(output, Part, figure, value, verdict);

    private static string MetIf(bool met) => met ? "met" : "missed";
}
