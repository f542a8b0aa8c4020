using System.Globalization;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// Issue #22, part 4, in folder mode: the real `konnect run` serves the samples, and batch after batch of mutants is
/// put beside them and applied. After each batch the samples' routes answer byte for byte as before the first, their
/// objects' statuses are unchanged, every mutant is accepted or refused with a reason an operator can see (/status or
/// the log names it), and the process is still up. The same seed and count as the validate run make the same mutants.
/// </summary>
public sealed class FolderModeHostileManifestTests(ITestOutputHelper output) : IDisposable
{
    private const string Part = "hostile manifests";
    // Per batch, generous: a batch may hold megabytes of YAML, and the machine is shared.
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan LogDeadline = TimeSpan.FromSeconds(15);
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-folder-mutants-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task FolderMode_GeneratedMutations_SamplesAnswerUnchangedAndEveryRefusalHasAReason()
    {
        var settings = MutationSettings.FromEnvironment();
        var batchSize = ReliabilityFigures.Size(25, 50);
        output.WriteLine($"folder mode, the konnect binary: {settings}; {batchSize} mutants a reload");
        var mutator = new ManifestMutator(SampleDocuments.Load(), settings.Seed, settings.HugeBytes);
        var tally = new MutationTally();
        await using var upstreams = await EchoUpstreams.StartAsync();
        await using var gateway = await FolderModeGateway.StartAsync(Path.Combine(_dir, "served"), upstreams);
        var baseline = await BaselineAnswers.TakeAsync(gateway.Http, gateway.Traffic);
        var repeated = BaselineAnswers.Differences(baseline, await BaselineAnswers.TakeAsync(gateway.Http, gateway.Traffic)).ToList();
        Assert.True(repeated.Count == 0, "the samples' answers must repeat before any mutant arrives:\n" + string.Join("\n", repeated));
        var sampleStatuses = await SettledSampleStatusesAsync(gateway);
        var slowest = TimeSpan.Zero;
        var (batches, unchanged) = (0, 0);

        foreach (var chunk in settings.Indexes.Chunk(batchSize))
        {
            batches++;
            var made = System.Diagnostics.Stopwatch.StartNew();
            var mutants = chunk.Select(mutator.Make).ToList();
            made.Stop();
            var logStart = gateway.OutputLength;
            TimeSpan took;
            try
            {
                took = await gateway.ApplyAsync(batches, mutants, ReloadDeadline);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                var verdict = gateway.Exited ? Verdict.Crashed : Verdict.Hung;
                foreach (var mutant in mutants) { tally.Add(mutant, verdict, ReloadDeadline, $"{e.Message}; konnect said: {Tail(gateway.OutputSince(logStart))}"); }
                break;
            }
            slowest = took > slowest ? took : slowest;

            var judged = System.Diagnostics.Stopwatch.StartNew();
            var batch = mutants.Select(m => (Mutant: m, Expected: FolderVerdict.Expect(Path.Combine(gateway.MutantFolder, m.FileName)))).ToList();
            var statuses = (await gateway.StatusesAsync()).ToDictionary(s => s.Object);
            var log = await LogOfAsync(gateway, logStart, batch.Where(b => b.Expected.NeedsLog).Select(b => Name(b.Mutant)));
            foreach (var (mutant, expected) in batch)
            {
                var (verdict, detail) = FolderVerdict.Judge(expected, Name(mutant), statuses, log);
                tally.Add(mutant, verdict, took, detail);
                if (settings.Only is not null)
                {
                    output.WriteLine($"{mutant}\n{verdict}: {detail}\nkonnect said: {Tail(log)}\nstatuses: {string.Join("\n", expected.Objects.Select(o => statuses.GetValueOrDefault(o)?.Json))}");
                }
            }

            var answers = await BaselineAnswers.TakeAsync(gateway.Http, gateway.Traffic);
            var changed = BaselineAnswers.Differences(baseline, answers).ToList();
            changed.AddRange(StatusChanges(sampleStatuses, SampleStatuses(statuses.Values)));
            if (Environment.GetEnvironmentVariable("KONNECT_MUTATION_DUMP") is { } dump) { File.AppendAllText(dump, $"=== batch {batches}\n" + gateway.OutputSince(logStart)); }
            output.WriteLine($"batch {batches}: made in {made.ElapsedMilliseconds} ms, written and applied in {took.TotalMilliseconds:0} ms, judged in {judged.ElapsedMilliseconds} ms; konnect wrote {gateway.OutputLength - logStart} characters");
            if (changed.Count == 0) { unchanged++; }
            else { tally.AddFailure($"after mutants {chunk[0]}..{chunk[^1]} of seed {settings.Seed}: {string.Join("\n", changed)}"); }
        }

        output.WriteLine(tally.Summary);
        Record("folder mode: mutations run", tally.Total.ToString(CultureInfo.InvariantCulture));
        Record("folder mode: refused with a reason", tally[Verdict.Refused].ToString(CultureInfo.InvariantCulture));
        Record("folder mode: accepted", tally[Verdict.Accepted].ToString(CultureInfo.InvariantCulture));
        Record("folder mode: refused without a reason", tally[Verdict.RefusedWithoutReason].ToString(CultureInfo.InvariantCulture), MetIf(tally[Verdict.RefusedWithoutReason] == 0));
        Record("folder mode: crashes", tally[Verdict.Crashed].ToString(CultureInfo.InvariantCulture), MetIf(tally[Verdict.Crashed] == 0));
        Record("folder mode: hangs", tally[Verdict.Hung].ToString(CultureInfo.InvariantCulture), MetIf(tally[Verdict.Hung] == 0));
        Record("folder mode: slowest reload ms (batch written to applied)", ReliabilityFigures.Format(slowest.TotalMilliseconds, "0"));
        Record("folder mode: samples answer unchanged", $"after {unchanged}/{batches} reloads", MetIf(unchanged == batches && tally.Total == settings.Runs));
        Assert.True(tally.Failures.Count == 0, $"{settings}: {tally.Failures.Count} failure(s):\n{string.Join("\n", tally.Failures)}");
        Assert.Equal(settings.Runs, tally.Total);
    }

    private static string Name(Mutant mutant) => $"{FolderModeGateway.MutantFolderName}/{mutant.FileName}";

    /// <summary>
    /// The samples' statuses once the data plane's own reports have come in. The baseline requests reach the rate-limit
    /// sample's cluster limit, whose Redis this run does not start, and RedisAvailable=False arrives on its own time
    /// (the first failed request, refined by a probe every 2 s): taken at once, the baseline lacked it and every later
    /// batch "changed" a sample's status (the first full-size run, 0 of 200 reloads unchanged). So the baseline is the
    /// statuses once ten reads half a second apart agree.
    /// </summary>
    private static async Task<Dictionary<ServedObject, string>> SettledSampleStatusesAsync(FolderModeGateway gateway)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (last, same) = (SampleStatuses(await gateway.StatusesAsync()), 0);
        while (same < 10)
        {
            Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(60), "the samples' statuses did not settle within 60 s");
            await Task.Delay(500);
            var now = SampleStatuses(await gateway.StatusesAsync());
            same = StatusChanges(last, now).Any() || now.Count != last.Count ? 0 : same + 1;
            last = now;
        }
        return last;
    }

    /// <summary>The samples' own objects' statuses (not the mutants', not the marker's), by object.</summary>
    private static Dictionary<ServedObject, string> SampleStatuses(IEnumerable<ServedStatus> statuses) => statuses
        .Where(s => s.Object.Namespace != "zz-marker" && !s.Object.Name.StartsWith("zz-m", StringComparison.Ordinal))
        .ToDictionary(s => s.Object, s => s.Json);

    /// <summary>The samples' objects whose status changed or went; a mutant renamed by its mutation is not one of them.</summary>
    private static IEnumerable<string> StatusChanges(Dictionary<ServedObject, string> before, Dictionary<ServedObject, string> after) =>
        before.Keys.Where(o => before.GetValueOrDefault(o) != after.GetValueOrDefault(o)).Select(o =>
            $"the status of sample {o.Kind} {o.Namespace}/{ValidateRun.Shorten(o.Name)} changed:\n--- before\n{before.GetValueOrDefault(o) ?? "(none)"}\n--- after\n{ValidateRun.Shorten(after.GetValueOrDefault(o) ?? "(none)")}");

    /// <summary>The log since <paramref name="start"/>, once every file in <paramref name="named"/> appears in it (or the deadline passes).</summary>
    private static async Task<string> LogOfAsync(FolderModeGateway gateway, int start, IEnumerable<string> named)
    {
        var names = named.ToList();
        var deadline = DateTime.UtcNow + LogDeadline;
        while (true)
        {
            var log = gateway.OutputSince(start);
            // Log lines reach the test through a pipe after the reload that wrote them; a short wait covers that.
            if (names.All(n => log.Contains(n + ":", StringComparison.Ordinal)) || DateTime.UtcNow > deadline) { return log; }
            await Task.Delay(50);
        }
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : text[^3000..];

    private void Record(string figure, string value, string verdict = "") => ReliabilityFigures.Record(output, Part, figure, value, verdict);

    private static string MetIf(bool met) => met ? "met" : "missed";
}
