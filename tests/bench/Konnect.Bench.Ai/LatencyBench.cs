using System.Diagnostics;
using System.Text.Json;

namespace Konnect.Bench.Ai;

/// <summary>One phase's timings, direct and through Konnect, with what Konnect and the processes said about it.</summary>
internal sealed record Phase(List<double> Direct, List<double> Through, int Warmup, KonnectView Konnect, double StandInCpuUs, double ClientCpuUs);

/// <summary>The streamed phase: time to first token, and whether each stream came through whole.</summary>
internal sealed record StreamPhase(Phase FirstToken, List<double> DirectTotal, List<double> ThroughTotal, int Pairs, int EventMismatches,
    int DirectDataEvents, int ThroughDataEvents, int DirectContentEvents, int ThroughContentEvents);

/// <summary>The paced stand-in's streams: the gaps between content events as the client read them.</summary>
internal sealed record Pacing(int DelayMs, List<double> DirectGaps, List<double> ThroughGaps, int EventMismatches, Phase FirstToken)
{
    /// <summary>Gaps under half the stand-in's pause: events that arrived together, i.e. one was held back.</summary>
    public static int Bunched(List<double> gaps, int delayMs) => gaps.Count(g => g < delayMs / 2.0);
}

/// <summary>
/// One way through Konnect and its direct twin: the stand-in behind it, Konnect's URL, and the bodies for each
/// (the same prompt; the model named as the provider knows it, or as Konnect's alias).
/// </summary>
internal sealed record Lane(Child StandIn, Uri Direct, Uri Through, byte[][] DirectPlain, byte[][] ThroughPlain, byte[][] DirectStream, byte[][] ThroughStream)
{
    public static Lane For(Child standIn, Uri direct, Uri through, string alias, IReadOnlyList<string> prompts) => new(standIn, direct, through,
        [.. prompts.Select(p => AiClient.Body(Children.ProviderModel, p, stream: false))],
        [.. prompts.Select(p => AiClient.Body(alias, p, stream: false))],
        [.. prompts.Select(p => AiClient.Body(Children.ProviderModel, p, stream: true))],
        [.. prompts.Select(p => AiClient.Body(alias, p, stream: true))]);
}

/// <summary>
/// The measured calls. Direct and through-Konnect calls alternate, one at a time, and swap which goes first every
/// pair, so drift on the shared machine (another build, a slow minute) falls on both alike.
/// </summary>
internal sealed class LatencyBench(Children children, AiClient client, BenchSettings settings, IReadOnlyList<string> prompts) : IDisposable
{
    /// <summary>The instant stand-in through /ai, whose quota always has room: Konnect reserves each prompt's bound, uncounted.</summary>
    public Lane Fast { get; } = Lane.For(children.Fast, children.DirectUrl(children.Fast), children.ThroughUrl, Children.FastAlias, prompts);

    /// <summary>The instant stand-in through /ai-counted, whose quota is close to its limit: Konnect counts each prompt before sending it.</summary>
    public Lane Counted { get; } = Lane.For(children.Counted, children.DirectUrl(children.Counted), children.CountedThroughUrl, Children.CountedAlias, prompts);

    private readonly byte[][] _pacedStream = [.. prompts.Select(p => AiClient.Body(Children.PacedAlias, p, stream: true))];
    private readonly HttpClient _metrics = new(new SocketsHttpHandler { UseProxy = false });

    /// <summary>The same answer both ways, and the stand-in's usage for the prompt; fails the run otherwise.</summary>
    public async Task<int> CheckAnswersAsync()
    {
        var (_, direct) = await client.CompleteAsync(Fast.Direct, Fast.DirectPlain[0]).ConfigureAwait(false);
        var (_, through) = await client.CompleteAsync(Fast.Through, Fast.ThroughPlain[0]).ConfigureAwait(false);
        var (directText, directTokens) = Answer(direct);
        var (throughText, throughTokens) = Answer(through);
        if (directText != throughText || directTokens != throughTokens)
        {
            throw new InvalidOperationException($"the answers differ: direct {directTokens} prompt tokens, \"{directText}\"; through Konnect {throughTokens}, \"{throughText}\"");
        }
        return directTokens;

        static (string Text, int PromptTokens) Answer(byte[] body)
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return (root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() ?? "",
                root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        }
    }

    public async Task<Phase> NonStreamingAsync(Lane lane)
    {
        var warmup = await WarmUpAsync(async i =>
        {
            await client.CompleteAsync(lane.Direct, lane.DirectPlain[i % prompts.Count]).ConfigureAwait(false);
            await client.CompleteAsync(lane.Through, lane.ThroughPlain[i % prompts.Count]).ConfigureAwait(false);
        }).ConfigureAwait(false);
        var (direct, through) = (new List<double>(settings.Calls), new List<double>(settings.Calls));
        var phase = await Measured(lane.StandIn, async () =>
        {
            for (var i = 0; i < settings.Calls; i++)
            {
                var p = i % prompts.Count;
                if (i % 2 == 0)
                {
                    direct.Add((await client.CompleteAsync(lane.Direct, lane.DirectPlain[p]).ConfigureAwait(false)).Ms);
                    through.Add((await client.CompleteAsync(lane.Through, lane.ThroughPlain[p]).ConfigureAwait(false)).Ms);
                }
                else
                {
                    through.Add((await client.CompleteAsync(lane.Through, lane.ThroughPlain[p]).ConfigureAwait(false)).Ms);
                    direct.Add((await client.CompleteAsync(lane.Direct, lane.DirectPlain[p]).ConfigureAwait(false)).Ms);
                }
            }
        }).ConfigureAwait(false);
        return phase(direct, through, warmup);
    }

    public async Task<StreamPhase> StreamingAsync(Lane lane)
    {
        var warmup = await WarmUpAsync(async i =>
        {
            await client.StreamAsync(lane.Direct, lane.DirectStream[i % prompts.Count]).ConfigureAwait(false);
            await client.StreamAsync(lane.Through, lane.ThroughStream[i % prompts.Count]).ConfigureAwait(false);
        }).ConfigureAwait(false);
        var (direct, through) = (new List<StreamResult>(settings.Streams), new List<StreamResult>(settings.Streams));
        var phase = await Measured(lane.StandIn, async () =>
        {
            for (var i = 0; i < settings.Streams; i++)
            {
                var p = i % prompts.Count;
                if (i % 2 == 0)
                {
                    direct.Add(await client.StreamAsync(lane.Direct, lane.DirectStream[p]).ConfigureAwait(false));
                    through.Add(await client.StreamAsync(lane.Through, lane.ThroughStream[p]).ConfigureAwait(false));
                }
                else
                {
                    through.Add(await client.StreamAsync(lane.Through, lane.ThroughStream[p]).ConfigureAwait(false));
                    direct.Add(await client.StreamAsync(lane.Direct, lane.DirectStream[p]).ConfigureAwait(false));
                }
            }
        }).ConfigureAwait(false);
        return new StreamPhase(phase([.. direct.Select(r => r.FirstTokenMs)], [.. through.Select(r => r.FirstTokenMs)], warmup),
            [.. direct.Select(r => r.TotalMs)], [.. through.Select(r => r.TotalMs)], direct.Count,
            direct.Zip(through).Count(pair => !SameEvents(pair.First, pair.Second)),
            direct.Sum(r => r.DataEvents), through.Sum(r => r.DataEvents), direct.Sum(r => r.ContentEvents), through.Sum(r => r.ContentEvents));
    }

    /// <summary>
    /// Streams from the stand-in that pauses between words, as a model does: each event must reach the client when it
    /// left the stand-in, and the first token is not followed by a burst of the answer's other words competing with it
    /// for the cores (the instant stand-in writes the whole answer at once).
    /// </summary>
    public async Task<Pacing> PacingAsync()
    {
        var paced = children.DirectUrl(children.Paced);
        // The paced stand-in is a process of its own that has served nothing yet: non-streamed calls (not paced) warm up its
        // request path quickly, a few streams its streaming. The direct bodies (model gpt-4o) suit it as they suit its twin.
        for (var i = 0; i < settings.Warmup; i++) { await client.CompleteAsync(paced, Fast.DirectPlain[i % prompts.Count]).ConfigureAwait(false); }
        for (var i = 0; i < 10; i++)
        {
            await client.StreamAsync(paced, Fast.DirectStream[i % prompts.Count]).ConfigureAwait(false);
            await client.StreamAsync(children.ThroughUrl, _pacedStream[i % prompts.Count]).ConfigureAwait(false);
        }
        var (direct, through) = (new List<StreamResult>(settings.PacedStreams), new List<StreamResult>(settings.PacedStreams));
        var phase = await Measured(children.Paced, async () =>
        {
            for (var i = 0; i < settings.PacedStreams; i++)
            {
                var p = i % prompts.Count;
                if (i % 2 == 0)
                {
                    direct.Add(await client.StreamAsync(paced, Fast.DirectStream[p], keepArrivals: true).ConfigureAwait(false));
                    through.Add(await client.StreamAsync(children.ThroughUrl, _pacedStream[p], keepArrivals: true).ConfigureAwait(false));
                }
                else
                {
                    through.Add(await client.StreamAsync(children.ThroughUrl, _pacedStream[p], keepArrivals: true).ConfigureAwait(false));
                    direct.Add(await client.StreamAsync(paced, Fast.DirectStream[p], keepArrivals: true).ConfigureAwait(false));
                }
            }
        }).ConfigureAwait(false);
        return new Pacing(settings.PacedDelayMs, [.. direct.SelectMany(r => Gaps(r.Arrivals!))], [.. through.SelectMany(r => Gaps(r.Arrivals!))],
            direct.Zip(through).Count(pair => !SameEvents(pair.First, pair.Second)),
            phase([.. direct.Select(r => r.FirstTokenMs)], [.. through.Select(r => r.FirstTokenMs)], 10));

        static IEnumerable<double> Gaps(List<double> arrivals) => arrivals.Zip(arrivals.Skip(1), (a, b) => b - a);
    }

    /// <summary>Every event of the stand-in's stream reached the client, in order, and nothing else did.</summary>
    private static bool SameEvents(StreamResult direct, StreamResult through) =>
        direct.Done && through.Done && direct.DataEvents == through.DataEvents && direct.ContentEvents == through.ContentEvents && direct.Text == through.Text;

    /// <summary>At least <see cref="BenchSettings.Warmup"/> pairs, and pairs until <see cref="BenchSettings.WarmupTime"/> has passed; returns how many.</summary>
    private async Task<int> WarmUpAsync(Func<int, Task> pair)
    {
        var clock = Stopwatch.StartNew();
        var pairs = 0;
        while (pairs < settings.Warmup || clock.Elapsed < settings.WarmupTime) { await pair(pairs++).ConfigureAwait(false); }
        return pairs;
    }

    /// <summary>Runs <paramref name="calls"/> between two scrapes of Konnect's metrics (its CPU too) and CPU readings of the stand-in and this process.</summary>
    private async Task<Func<List<double>, List<double>, int, Phase>> Measured(Child standIn, Func<Task> calls)
    {
        var before = await MetricsSnapshot.ScrapeAsync(_metrics, children.MetricsUrl).ConfigureAwait(false);
        var (standInBefore, self) = (standIn.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
        await calls().ConfigureAwait(false);
        var (standInAfter, selfAfter) = (standIn.CpuTime(), Process.GetCurrentProcess().TotalProcessorTime);
        var after = await MetricsSnapshot.ScrapeAsync(_metrics, children.MetricsUrl).ConfigureAwait(false);
        return (direct, through, warmup) =>
        {
            var calls = direct.Count + through.Count;
            return new Phase(direct, through, warmup, KonnectView.Between(before, after),
                StandInCpuUs: (standInAfter - standInBefore).TotalMicroseconds / Math.Max(calls, 1),
                ClientCpuUs: (selfAfter - self).TotalMicroseconds / Math.Max(calls, 1));
        };
    }

    public void Dispose() => _metrics.Dispose();
}
