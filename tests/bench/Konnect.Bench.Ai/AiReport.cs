using System.Globalization;

namespace Konnect.Bench.Ai;

/// <summary>Everything one run found, for the report.</summary>
internal sealed record AiResult(BenchSettings Settings, int? Core, IReadOnlyList<int> PromptTokens, int PromptChars, int StandInPromptTokens,
    Phase Plain, StreamPhase Streamed, Phase CountedPlain, StreamPhase CountedStreamed, int CountedQuota, Pacing Pacing,
    IReadOnlyList<TokenizerRow> Tokenizer, string LoadBefore, string LoadAfter);

/// <summary>The plain-text report `make bench` prints: each figure beside the AI gateway's targets, then where the time goes.</summary>
internal static class AiReport
{
    /// <summary>The issue's targets: added p99 of a non-streamed call and added time to first token, in ms.</summary>
    public const double AddedTargetMs = 1.0;

    public static void Print(TextWriter o, AiResult r)
    {
        var s = r.Settings;
        o.WriteLine();
        o.WriteLine($"Konnect AI bench, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load average {r.LoadBefore} before, {r.LoadAfter} after; konnect: {s.KonnectBinary}");
        o.WriteLine($"Prompt: {r.PromptTokens.Count} generated reports (fixed seeds) of {r.PromptTokens.Min():N0}–{r.PromptTokens.Max():N0} o200k tokens "
            + $"(the first {r.PromptTokens[0]:N0} tokens, {r.PromptChars:N0} chars; with the system message and OpenAI's per-message overhead the "
            + $"stand-in reports prompt_tokens {r.StandInPromptTokens:N0}), taken in turn, the same for both paths. Route {Children.Route} has a token quota "
            + $"with room to spare (1,000,000,000 per minute): Konnect reserves each prompt's bound (its UTF-8 length, no fewer than its tokens) plus "
            + $"max_tokens {Children.MaxTokens} without counting it, and settles on the reported usage. Route {Children.CountedRoute} has a quota close to "
            + $"its limit on every call ({r.CountedQuota:N0} per minute: room for the counted prompt and the cap, not for the bound; its stand-in reports 0 "
            + $"tokens used, so the quota stays there): Konnect counts every prompt with o200k (provider model {Children.ProviderModel}) before sending it.");
        o.WriteLine("Direct = the same request to the same konnect-echo stand-in (--standin-delay-ms 0); through = via Konnect's AI route. One keep-alive "
            + "client, one call at a time, direct and through alternating with the order swapped every pair. "
            + (r.Core is { } core
                ? $"The bench, both stand-ins and Konnect pinned to core {core} after start (taskset -a -p, as run.sh's low-load part): the hops run as a sequence."
                : "Unpinned (PIN=0, or taskset or a second core missing): tails include idle cores waking."));

        o.WriteLine();
        o.WriteLine($"Non-streamed chat completions: {s.Calls:N0} timed calls each way after {r.Plain.Warmup:N0} warm-up each (at least {s.Warmup} and {s.WarmupTime.TotalSeconds:0} s); send to last byte, ms");
        Table(o, "", r.Plain.Direct, r.Plain.Through);
        o.WriteLine($"Target: p99 added ≤ {AddedTargetMs:F0} ms with the token quota and a {s.PromptTokens:N0}-token prompt counted: {Verdict(Added(r.Plain, 99))}");
        Inside(o, r.Plain, "non-streamed");

        var st = r.Streamed;
        o.WriteLine();
        o.WriteLine($"Streamed chat completions: {s.Streams:N0} timed streams each way after {st.FirstToken.Warmup:N0} warm-up each; time to first token = send to the first "
            + "data event with non-empty delta content, ms");
        Table(o, "time to first token ", st.FirstToken.Direct, st.FirstToken.Through);
        o.WriteLine($"Whole stream (send to [DONE]), p50 / p99 ms: direct {Ms(Stats.Percentile(st.DirectTotal, 50))} / {Ms(Stats.Percentile(st.DirectTotal, 99))}, "
            + $"through {Ms(Stats.Percentile(st.ThroughTotal, 50))} / {Ms(Stats.Percentile(st.ThroughTotal, 99))}.");
        o.WriteLine($"Target: time to first token added ≤ {AddedTargetMs:F0} ms, instant stand-in: {Verdict(Added(st.FirstToken, 99))} (p99; p50 added "
            + $"{Ms(Added(st.FirstToken, 50))} ms). The stand-in writes the whole answer at once, so the first token shares the cores with Konnect relaying "
            + "the other events (a model's later words come later: see the paced streams below).");
        o.WriteLine($"Every event forwarded: {st.Pairs - st.EventMismatches:N0} of {st.Pairs:N0} streams through Konnect had the same data events, content events "
            + $"and text as their direct twin (data events {st.DirectDataEvents:N0} direct, {st.ThroughDataEvents:N0} through; content events "
            + $"{st.DirectContentEvents:N0} and {st.ThroughContentEvents:N0}): {(st.EventMismatches == 0 && st.DirectContentEvents == st.ThroughContentEvents ? "met" : "**missed**")}");
        Inside(o, st.FirstToken, "streamed");

        o.WriteLine();
        o.WriteLine($"Close to the quota's limit, route {Children.CountedRoute}: every prompt counted with o200k before it is sent, then reserved; the same calls, "
            + "against a third instant stand-in (reporting 0 tokens used)");
        o.WriteLine($"Non-streamed, {r.CountedPlain.Direct.Count:N0} timed calls each way after {r.CountedPlain.Warmup:N0} warm-up each; send to last byte, ms");
        Table(o, "", r.CountedPlain.Direct, r.CountedPlain.Through);
        o.WriteLine($"Target: p99 added ≤ {AddedTargetMs:F0} ms with the token quota and a {s.PromptTokens:N0}-token prompt counted: {Verdict(Added(r.CountedPlain, 99))} (p50 added {Ms(Added(r.CountedPlain, 50))} ms)");
        Inside(o, r.CountedPlain, "counted non-streamed");
        var cs = r.CountedStreamed;
        o.WriteLine($"Streamed, {cs.Pairs:N0} timed streams each way after {cs.FirstToken.Warmup:N0} warm-up each; time to first token, ms");
        Table(o, "time to first token ", cs.FirstToken.Direct, cs.FirstToken.Through);
        o.WriteLine($"Target: time to first token added ≤ {AddedTargetMs:F0} ms with the prompt counted: {Verdict(Added(cs.FirstToken, 99))} (p99; p50 added {Ms(Added(cs.FirstToken, 50))} ms); "
            + $"every event forwarded: {cs.Pairs - cs.EventMismatches:N0} of {cs.Pairs:N0} streams identical to their direct twin: {(cs.EventMismatches == 0 && cs.DirectContentEvents == cs.ThroughContentEvents ? "met" : "**missed**")}");
        Inside(o, cs.FirstToken, "counted streamed");
        var p = r.Pacing;
        o.WriteLine();
        o.WriteLine($"Streamed, from a second stand-in pausing {p.DelayMs} ms before each word (a model typing: the answer's later words are not yet written "
            + $"when the first is read), {p.FirstToken.Direct.Count} streams each way, alternating; time to first token, ms");
        Table(o, "time to first token ", p.FirstToken.Direct, p.FirstToken.Through);
        // Not held against the target: the stand-in's pause is a timer that fires milliseconds late and unevenly, and after
        // each pause every process on the path wakes from idle, so at this sample size the difference is mostly noise.
        o.WriteLine($"For comparison, not the target's measure (a {p.DelayMs} ms timer that fires late by milliseconds, processes waking from idle "
            + $"after each pause, {p.FirstToken.Direct.Count} samples): added p50 {Ms(Added(p.FirstToken, 50))} ms, p99 {Ms(Added(p.FirstToken, 99))} ms.");
        var (directBunched, throughBunched) = (Pacing.Bunched(p.DirectGaps, p.DelayMs), Pacing.Bunched(p.ThroughGaps, p.DelayMs));
        // A relay that holds events back bunches most of them; the stand-in's timer alone bunches a few, on either path.
        var margin = Math.Max(2, p.ThroughGaps.Count / 100);
        var asItArrives = p.EventMismatches == 0 && throughBunched <= directBunched + margin;
        o.WriteLine($"Each event as it arrives: gaps between content events as the client read them, p50 / min ms: direct {Ms(Stats.Percentile(p.DirectGaps, 50))} / "
            + $"{Ms(p.DirectGaps.DefaultIfEmpty(double.NaN).Min())}, through {Ms(Stats.Percentile(p.ThroughGaps, 50))} / {Ms(p.ThroughGaps.DefaultIfEmpty(double.NaN).Min())}; "
            + $"gaps under {p.DelayMs / 2.0:0.#} ms (an event held back and sent with the next): direct {directBunched} of {p.DirectGaps.Count}, through "
            + $"{throughBunched} of {p.ThroughGaps.Count}; {p.FirstToken.Direct.Count - p.EventMismatches} of {p.FirstToken.Direct.Count} paced streams whole: "
            + $"{(asItArrives ? "met" : "**missed**")} (met: every paced stream whole, and at most {margin} (1 %) more bunched gaps than direct)");
        Inside(o, p.FirstToken, "paced streamed");

        o.WriteLine();
        o.WriteLine("Tokenizer: o200k (TiktokenTokenizer.CreateForModel(\"gpt-4o\"), Microsoft.ML.Tokenizers), CountTokens of a whole prompt on this "
            + "process's thread, µs per 1,000 prompt tokens");
        o.WriteLine("| text | samples | tokens per sample | µs per 1,000 tokens, p50 | p90 | µs per prompt, p50 |");
        o.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in r.Tokenizer)
        {
            o.WriteLine($"| {row.What} | {row.Samples} | {row.Tokens:N0} | {Us(row.MedianUsPer1000)} | {Us(row.P90UsPer1000)} | {Us(row.MedianUs)} |");
        }
        var (hot, evicted) = (r.Tokenizer[1], r.Tokenizer[2]);
        o.WriteLine($"Konnect counts a prompt when it must (a quota close to its limit, as on {Children.CountedRoute}, or a provider that reports no usage), "
            + $"on the request path: counting one {s.PromptTokens:N0}-token prompt costs {Us(hot.MedianUsPer1000 * s.PromptTokens / 1000)} µs with the caches hot "
            + $"and {Us(evicted.MedianUsPer1000 * s.PromptTokens / 1000)} µs with them evicted, of the {AddedTargetMs:F0} ms budget.");
    }

    /// <summary>Through minus direct at percentile <paramref name="percent"/>.</summary>
    public static double Added(Phase phase, int percent) =>
        Stats.Percentile(phase.Through, percent) - Stats.Percentile(phase.Direct, percent);

    private static void Table(TextWriter o, string what, List<double> direct, List<double> through)
    {
        o.WriteLine($"| path | {what}p50 | p90 | p99 | max | mean |");
        o.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, values) in new[] { ("direct", direct), ("through Konnect", through) })
        {
            o.WriteLine($"| {name} | {Ms(Stats.Percentile(values, 50))} | {Ms(Stats.Percentile(values, 90))} | {Ms(Stats.Percentile(values, 99))} "
                + $"| {Ms(Stats.Percentile(values, 100))} | {Ms(values.Average())} |");
        }
        o.WriteLine($"| added | {Ms(Stats.Percentile(through, 50) - Stats.Percentile(direct, 50))} | {Ms(Stats.Percentile(through, 90) - Stats.Percentile(direct, 90))} "
            + $"| {Ms(Stats.Percentile(through, 99) - Stats.Percentile(direct, 99))} | | {Ms(through.Average() - direct.Average())} |");
    }

    /// <summary>Konnect's own figures for the phase, so the added time can be placed inside or outside the gateway.</summary>
    private static void Inside(TextWriter o, Phase phase, string kind)
    {
        var k = phase.Konnect;
        o.WriteLine($"Inside Konnect over the timed {kind} calls (its /metrics, {k.Calls:N0} AI calls): request held {Ms(k.RequestMs)} ms mean "
            + $"(konnect_http_request_duration_seconds), AI call {Ms(k.AiCallMs)} ms mean (gen_ai_server_request_duration_seconds, arrival to last byte), "
            + $"first token {Ms(k.FirstTokenMs)} ms mean (gen_ai_server_time_to_first_token_seconds, arrival to the first content it relayed; "
            + $"the table's means: {Ms(phase.Through.Average())} ms through, {Ms(phase.Direct.Average())} ms direct). CPU per call: Konnect {Us(k.CpuUs)} µs (its process_cpu_seconds_total), "
            + $"stand-in {Us(phase.StandInCpuUs)} µs and bench client {Us(phase.ClientCpuUs)} µs (/proc, 10 ms ticks, over both paths' calls); Konnect allocated {k.AllocatedKiB:F0} KiB per call; collections gen0 {k.Gen0:F0}, "
            + $"gen1 {k.Gen1:F0}, gen2 {k.Gen2:F0}.");
    }

    private static string Verdict(double added) => added <= AddedTargetMs
        ? $"met ({Ms(added)} ms)"
        : $"**missed by {Ms(added - AddedTargetMs)} ms** ({Ms(added)} ms added)";

    private static string Ms(double ms) => double.IsNaN(ms) ? "n/a" : ms.ToString("F3", CultureInfo.InvariantCulture);

    private static string Us(double us) => double.IsNaN(us) ? "n/a" : us.ToString(us < 100 ? "F1" : "F0", CultureInfo.InvariantCulture);
}

internal static class Stats
{
    /// <summary>Nearest-rank percentile of a copy (the samples keep their order: pairs stay pairs).</summary>
    public static double Percentile(IReadOnlyList<double> values, int percent)
    {
        if (values.Count == 0) { return double.NaN; }
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToList();
        if (sorted.Count == 0) { return double.NaN; }
        return sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
