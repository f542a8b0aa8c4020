using System.Globalization;
using System.Text.RegularExpressions;

namespace Konnect.Bench.Scale;

/// <summary>
/// Times one change from the write to the first answer that shows it, and splits that time by the gateway's log:
/// the reconciler logs when its pass ends and how long it took (so when it started), the publisher logs when YARP
/// and the route table hold the new model and how long that took, the folder source logs when it stored a reload.
/// </summary>
/// <param name="quiet">How long the gateway must have been quiet (no pass ended) before the next change is written.</param>
public sealed partial class ChangeMeasure(KonnectProcess konnect, Prober prober, TimeSpan timeout, TimeSpan quiet)
{
    public async Task<ChangeSample> TimeAsync(Probe probe, string expected, Func<Task<DateTime>> write)
    {
        var written = await write().ConfigureAwait(false);
        var seen = await prober.PollUntilAsync(probe, expected, timeout).ConfigureAwait(false);
        var stages = await StagesAsync(written, seen).ConfigureAwait(false);
        // The next change is timed alone, not behind this one's status write and the pass its watch event brings.
        await konnect.WaitQuietAsync(quiet, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var sample = new ChangeSample(seen is { } s ? (s - written).TotalMilliseconds : null, stages);
        // One line per change on stderr: an outlier's split is what says where a p99 comes from.
        Console.Error.WriteLine($"scale:   {Stats.Format(sample.EndToEndMs)} ms: {stages}");
        return sample;
    }

    private async Task<Stages?> StagesAsync(DateTime written, DateTime? seen)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            // The first pass that started after the write is the one that carried it.
            var pass = konnect.Lines(written, "rule(s) in")
                .Select(l => (Line: l, Ms: Number(ReconcilerTook(), l.Text)))
                .FirstOrDefault(p => p.Ms is { } ms && p.Line.Utc.AddMilliseconds(-ms) >= written);
            if (pass.Ms is { } passMs)
            {
                var start = pass.Line.Utc.AddMilliseconds(-passMs);
                var publish = konnect.Lines(start, "rejected, in").FirstOrDefault(l => l.Utc <= pass.Line.Utc);
                var loaded = konnect.Lines(written, "Loaded ").FirstOrDefault(l => l.Utc <= pass.Line.Utc);
                if (publish is null || Number(PublisherTook(), publish.Text) is not { } publishMs) { return null; }
                var publishStart = publish.Utc.AddMilliseconds(-publishMs);
                return new Stages(
                    Source: (start - written).TotalMilliseconds,
                    SourceStored: loaded is null ? null : (loaded.Utc - written).TotalMilliseconds,
                    SourceRead: loaded is null ? null : Number(SourceTook(), loaded.Text),
                    Translate: (publishStart - start).TotalMilliseconds,
                    Publish: publishMs,
                    ToTraffic: seen is { } s ? (s - publish.Utc).TotalMilliseconds : null,
                    Status: (pass.Line.Utc - publish.Utc).TotalMilliseconds);
            }
            await Task.Delay(20).ConfigureAwait(false);
        }
        return null;
    }

    private static double? Number(Regex pattern, string text) =>
        pattern.Match(text) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"rule\(s\) in ([\d.]+) ms")]
    private static partial Regex ReconcilerTook();

    [GeneratedRegex(@"rejected, in ([\d.]+) ms")]
    private static partial Regex PublisherTook();

    [GeneratedRegex(@"checked in ([\d.]+) ms")]
    private static partial Regex SourceTook();
}

/// <summary>One change: ms from the write to the first answer showing it (null: never seen), and where the time went.</summary>
public sealed record ChangeSample(double? EndToEndMs, Stages? Stages);

/// <summary>
/// Where one change's time went, in ms: write to the reconcile pass starting (file watch, 10 ms debounce, re-reading
/// and parsing the folder, or the watch event; <paramref name="SourceStored"/> is write to the folder source storing
/// its snapshot; <paramref name="SourceRead"/> is how long reading the changed files and building that snapshot took,
/// the rest of it being the file watch and the debounce), pass start to publish start (translation), publish (YARP
/// config, validation, route table swap),
/// publish end to the first poll that saw it, and publish end to the pass end (the status report, after traffic has it).
/// </summary>
public sealed record Stages(double Source, double? SourceStored, double? SourceRead, double Translate, double Publish, double? ToTraffic, double Status);

public static class Stats
{
    /// <summary>Nearest-rank percentile; a change never seen counts as slower than every seen one (null: it is lost).</summary>
    public static double? Percentile(IReadOnlyList<ChangeSample> samples, int percent) =>
        Percentile(samples.Select(s => s.EndToEndMs ?? double.PositiveInfinity).ToList(), percent) is var v && double.IsPositiveInfinity(v) ? null : v;

    public static double Percentile(List<double> values, int percent)
    {
        if (values.Count == 0) { return double.NaN; }
        values.Sort();
        return values[Math.Clamp((int)Math.Ceiling(percent / 100.0 * values.Count) - 1, 0, values.Count - 1)];
    }

    /// <summary>The median of one stage over the samples that have it.</summary>
    public static double Median(IEnumerable<ChangeSample> samples, Func<Stages, double?> stage) =>
        Percentile(samples.Where(s => s.Stages is not null).Select(s => stage(s.Stages!)).OfType<double>().ToList(), 50);

    public static string Format(double? ms) => ms is not { } v ? "lost" : double.IsNaN(v) ? "n/a" : v.ToString(v < 10 ? "F1" : "F0", CultureInfo.InvariantCulture);
}
