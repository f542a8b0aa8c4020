using System.Diagnostics;
using Microsoft.ML.Tokenizers;

namespace Konnect.Bench.Ai;

/// <summary>One way of counting: µs per 1,000 tokens over its samples, and the tokens a sample had.</summary>
internal sealed record TokenizerRow(string What, int Samples, double Tokens, double MedianUsPer1000, double P90UsPer1000, double MedianUs);

/// <summary>
/// What counting a prompt with o200k costs, in this process (Konnect counts each prompt once per call, on the
/// request's thread, before it is forwarded). The tokenizer keeps an LRU cache of up to 8,192 pre-tokenized words and
/// looks single-token words up in its vocabulary, so a prompt of familiar words costs less than one of new words:
/// the rows go from every word seen before (with the CPU caches hot, then evicted) to every content word new, and to
/// a tokenizer whose cache is empty.
/// </summary>
internal static class TokenizerBench
{
    public static IReadOnlyList<TokenizerRow> Run(Tokenizer sizer, IReadOnlyList<string> prompts, int promptTokens)
    {
        var tokenizer = TiktokenTokenizer.CreateForModel("gpt-4o");
        // The JIT's tier-up, and the bench's own prompts' words in the cache, as in a Konnect that has served them.
        for (var round = 0; round < 30; round++)
        {
            foreach (var prompt in prompts) { tokenizer.CountTokens(prompt); }
        }
        var rows = new List<TokenizerRow>
        {
            Time("warm: the same prompt again", Enumerable.Repeat(prompts[0], 300).ToList(), tokenizer),
            Time("new sentences of the same words", [.. Enumerable.Range(5_000, 60).Select(seed => Prompts.Report(seed, promptTokens, sizer))], tokenizer),
            Evicted("the bench's prompts, CPU caches evicted before each", prompts, tokenizer),
            // Sized by the other tokenizer: counting them on this one before the timing would cache their words.
            Time("unseen words: every content word made up", [.. Enumerable.Range(9_000, 60).Select(seed => Prompts.Report(seed, promptTokens, sizer, unseenWords: true))], tokenizer),
        };
        // A tokenizer that has counted nothing yet (its cache empty; the code is already compiled by the one above).
        var cold = new List<(double Us, int Tokens)>();
        for (var i = 0; i < 3; i++)
        {
            var fresh = TiktokenTokenizer.CreateForModel("gpt-4o");
            cold.Add(Once(fresh, prompts[i % prompts.Count]));
        }
        rows.Add(Row("cold cache: a new tokenizer's first prompt", cold));
        return rows;
    }

    private static TokenizerRow Time(string what, List<string> texts, Tokenizer tokenizer)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return Row(what, [.. texts.Select(text => Once(tokenizer, text))]);
    }

    /// <summary>
    /// Each count after writing 64 MiB elsewhere, more than the CPU caches hold: in a gateway the tokenizer's tables
    /// (o200k's 200,000 entries and the word cache) are evicted by everything else that runs between two calls, so
    /// its count runs from memory, unlike a loop that counts back to back. The writing is not timed.
    /// </summary>
    private static TokenizerRow Evicted(string what, IReadOnlyList<string> texts, Tokenizer tokenizer)
    {
        var elsewhere = new byte[64 << 20];
        var samples = new List<(double Us, int Tokens)>();
        for (var i = 0; i < 60; i++)
        {
            for (var at = 0; at < elsewhere.Length; at += 64) { elsewhere[at]++; }
            samples.Add(Once(tokenizer, texts[i % texts.Count]));
        }
        return Row(what, samples);
    }

    private static (double Us, int Tokens) Once(Tokenizer tokenizer, string text)
    {
        var start = Stopwatch.GetTimestamp();
        var tokens = tokenizer.CountTokens(text);
        return (Stopwatch.GetElapsedTime(start).TotalMicroseconds, tokens);
    }

    private static TokenizerRow Row(string what, List<(double Us, int Tokens)> samples)
    {
        var per1000 = samples.Select(s => s.Us / s.Tokens * 1000).ToList();
        return new TokenizerRow(what, samples.Count, samples.Average(s => s.Tokens), Stats.Percentile(per1000, 50), Stats.Percentile(per1000, 90),
            Stats.Percentile([.. samples.Select(s => s.Us)], 50));
    }
}
