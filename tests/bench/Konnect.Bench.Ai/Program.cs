// `make bench`, AI part: an AI call through Konnect against the same call made directly to the same provider, konnect-echo's
// OpenAI-compatible model stand-in. Non-streamed: p99 added ≤ 1 ms with a token quota and a 2,000-token prompt, both with
// the quota's room to spare (the prompt's bound reserved, uncounted) and close to its limit (the prompt counted first);
// streamed: time to first token added ≤ 1 ms and every event forwarded as it arrives; and what counting with o200k costs per
// 1,000 prompt tokens. Targets missed are reported, not fatal: the exit code is non-zero only when something failed to run.
// Settings (environment): CALLS (2000), STREAMS (1000), WARMUP (200 pairs), WARMUP_SECONDS (10), PROMPT_TOKENS (2000), PROMPTS (16), PACED_STREAMS (100),
// PACED_DELAY_MS (5), PIN (1: the bench, the stand-ins and Konnect on the last core; 0: unpinned), CONFIG (Release),
// KONNECT_BIN (src/Konnect/bin/$CONFIG/net10.0/konnect).
using System.Diagnostics;
using Konnect.Bench.Ai;
using Microsoft.ML.Tokenizers;

var clock = Stopwatch.StartNew();
try
{
    var root = FindRepositoryRoot();
    var settings = BenchSettings.FromEnvironment(root);
    await settings.EnsureBuiltAsync(root);
    var loadBefore = LoadAverage();

    // Sizes the prompts; the tokenizer part times another instance, whose cache this one's counting leaves cold.
    var sizer = TiktokenTokenizer.CreateForModel("gpt-4o");
    var prompts = Enumerable.Range(1, settings.Prompts).Select(seed => Prompts.Report(seed, settings.PromptTokens, sizer)).ToList();
    var promptTokens = prompts.Select(p => sizer.CountTokens(p)).ToList();
    Console.Error.WriteLine($"ai: {prompts.Count} prompts of {promptTokens.Min()}–{promptTokens.Max()} o200k tokens; the first has {promptTokens[0]} tokens, {prompts[0].Length} chars");

    var countedQuota = Children.CountedQuota(promptTokens, prompts);
    using var children = await Children.StartAsync(settings, countedQuota);
    using var client = new AiClient();
    var core = Pinning.MeasuringCore(settings.Pin);
    if (core is { } measuring)
    {
        foreach (var pid in new[] { Environment.ProcessId, children.Fast.Id, children.Paced.Id, children.Counted.Id, children.Konnect.Id }) { await Pinning.PinAsync(pid, measuring); }
    }
    using var bench = new LatencyBench(children, client, settings, prompts);
    var standInPromptTokens = await bench.CheckAnswersAsync();
    Console.Error.WriteLine($"ai: konnect (pid {children.Konnect.Id}) and the stand-ins are up; the same answer both ways, {standInPromptTokens} prompt tokens by the stand-in's count");

    Console.Error.WriteLine($"ai: {settings.Calls} non-streamed calls each way...");
    var plain = await bench.NonStreamingAsync(bench.Fast);
    Console.Error.WriteLine($"ai: {settings.Streams} streams each way...");
    var streamed = await bench.StreamingAsync(bench.Fast);
    Console.Error.WriteLine($"ai: the same through the route whose quota is close to its limit (every prompt counted before it is sent)...");
    var countedPlain = await bench.NonStreamingAsync(bench.Counted);
    var countedStreamed = await bench.StreamingAsync(bench.Counted);
    Console.Error.WriteLine($"ai: {settings.PacedStreams} paced streams each way...");
    var pacing = await bench.PacingAsync();
    var loadAfter = LoadAverage();

    // After the calls, with the children still up but idle: the tokenizer is timed on this process alone.
    Console.Error.WriteLine("ai: timing the tokenizer...");
    var tokenizer = TokenizerBench.Run(sizer, prompts, settings.PromptTokens);

    AiReport.Print(Console.Out, new AiResult(settings, core, promptTokens, prompts[0].Length, standInPromptTokens, plain, streamed, countedPlain, countedStreamed, countedQuota, pacing, tokenizer, loadBefore, loadAfter));
    Console.WriteLine($"(AI part took {clock.Elapsed.TotalMinutes:F1} min; command: make bench, or dotnet run -c Release --project tests/bench/Konnect.Bench.Ai)");
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or IOException or HttpRequestException or TimeoutException or TaskCanceledException)
{
    Console.Error.WriteLine($"ai bench failed: {e.Message}");
    return 1;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Konnect.sln"))) { return dir.FullName; }
    }
    throw new InvalidOperationException("run from inside the Konnect repository (Konnect.sln not found above the current folder)");
}
