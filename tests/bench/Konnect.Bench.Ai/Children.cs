using System.Diagnostics;
using System.Globalization;
using Konnect.Testing;

namespace Konnect.Bench.Ai;

/// <summary>The processes the bench measures: two model stand-ins (one answering at once, one paced) and Konnect in front of both.</summary>
internal sealed class Children : IDisposable
{
    public const string Route = "/ai";
    /// <summary>The alias clients send through Konnect; the provider gets <see cref="ProviderModel"/>.</summary>
    public const string FastAlias = "bench", PacedAlias = "paced", CountedAlias = "counted";
    /// <summary>The route whose quota is kept close to its limit, so Konnect counts every prompt before forwarding it.</summary>
    public const string CountedRoute = "/ai-counted";

    /// <summary>
    /// The counted route's token quota per minute: room for a counted prompt and the cap, never for a prompt's bound
    /// (its UTF-8 length, over five times its tokens), which Konnect reserves without counting when it fits. The counted
    /// stand-in reports 0 tokens used, so settled calls leave the quota where it was and every call is counted.
    /// </summary>
    public static int CountedQuota(IReadOnlyList<int> promptTokens, IReadOnlyList<string> prompts)
    {
        // The system message and the per-message overhead add about 25 tokens to the prompt's own.
        var quota = promptTokens.Max() + 100 + MaxTokens;
        if (prompts.Min(p => System.Text.Encoding.UTF8.GetByteCount(p)) + MaxTokens <= quota)
        {
            throw new InvalidOperationException($"PROMPT_TOKENS is too small for the counted route: a quota of {quota} would have room for the prompts' bound");
        }
        return quota;
    }
    /// <summary>A gpt-4o name, so Konnect counts the prompt with o200k as the stand-in does (other names get cl100k).</summary>
    public const string ProviderModel = "gpt-4o";
    public const int MaxTokens = 256;

    private readonly string _manifests;

    private Children(Child fast, Child paced, Child counted, Child konnect, int adminPort, string manifests) =>
        (Fast, Paced, Counted, Konnect, AdminPort, _manifests) = (fast, paced, counted, konnect, adminPort, manifests);

    public Child Fast { get; }
    public Child Paced { get; }
    /// <summary>An instant stand-in like <see cref="Fast"/> that reports 0 tokens used (behind <see cref="CountedRoute"/>).</summary>
    public Child Counted { get; }
    public Child Konnect { get; }
    public int AdminPort { get; }

    public static async Task<Children> StartAsync(BenchSettings settings, int countedQuota)
    {
        var (fastPort, pacedPort, countedPort, traffic, admin) = (TestPorts.Free(), TestPorts.Free(), TestPorts.Free(), TestPorts.Free(), TestPorts.Free());
        var manifests = Directory.CreateTempSubdirectory("konnect-bench-ai-").FullName;
        File.WriteAllText(Path.Combine(manifests, "ai.yaml"), Manifest(fastPort, pacedPort, countedPort, countedQuota));
        var started = new List<Child>();
        try
        {
            started.Add(Echo("stand-in", fastPort, 0, settings));
            started.Add(Echo("paced stand-in", pacedPort, settings.PacedDelayMs, settings));
            started.Add(Echo("counted stand-in", countedPort, 0, settings, "--standin-usage", "zero"));
            var konnect = Child.Start("konnect", settings.KonnectBinary, traffic,
                ["run", "--manifests", manifests, "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}",
                 "--listen-tls", "none", "--access-log", "off"],
                new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
            started.Add(konnect);
            var children = new Children(started[0], started[1], started[2], konnect, admin, manifests);
            await children.WaitReadyAsync().ConfigureAwait(false);
            return children;
        }
        catch
        {
            foreach (var child in started) { child.Dispose(); }
            Directory.Delete(manifests, recursive: true);
            throw;
        }
    }

    public Uri DirectUrl(Child standIn) => new($"http://127.0.0.1:{standIn.Port}/v1/chat/completions");

    public Uri ThroughUrl => new($"http://127.0.0.1:{Konnect.Port}{Route}/v1/chat/completions");

    public Uri CountedThroughUrl => new($"http://127.0.0.1:{Konnect.Port}{CountedRoute}/v1/chat/completions");

    public Uri MetricsUrl => new($"http://127.0.0.1:{AdminPort}/metrics");

    private static Child Echo(string name, int port, int delayMs, BenchSettings settings, params string[] more) =>
        Child.Start(name, "dotnet", port, [settings.EchoDll, "--urls", $"http://127.0.0.1:{port}", "--name", "model",
            "--standin-delay-ms", delayMs.ToString(CultureInfo.InvariantCulture), .. more]);

    /// <summary>
    /// Two AI routes: /ai with the alias "bench" to the stand-in that answers at once and "paced" to the one that types,
    /// under a quota that always has room; /ai-counted with "counted" under a quota close to its limit on every call.
    /// </summary>
    private static string Manifest(int fastPort, int pacedPort, int countedPort, int countedQuota) => $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: ai-bench, namespace: default }
        spec:
          ai:
            providers:
              - { name: standin, type: OpenAICompatible, baseUrl: "http://127.0.0.1:{{fastPort}}/v1" }
              - { name: paced, type: OpenAICompatible, baseUrl: "http://127.0.0.1:{{pacedPort}}/v1" }
            models:
              - { name: {{FastAlias}}, targets: [{ provider: standin, model: {{ProviderModel}} }] }
              - { name: {{PacedAlias}}, targets: [{ provider: paced, model: {{ProviderModel}} }] }
            maxTokens: {{MaxTokens}}
            # Reserved on every call, large enough never to refuse one: Konnect reserves each prompt's bound, uncounted.
            quotas: [{ key: route, period: minute, tokens: 1000000000 }]
            prices: [{ model: {{ProviderModel}}, input: "2.50", output: "10.00" }]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: ai-bench, namespace: default }
        spec:
          policies: [ai-bench]
          rules:
            - matches: [{ path: { value: {{Route}} } }]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectPolicy
        metadata: { name: ai-counted, namespace: default }
        spec:
          ai:
            providers:
              - { name: counted, type: OpenAICompatible, baseUrl: "http://127.0.0.1:{{countedPort}}/v1" }
            models:
              - { name: {{CountedAlias}}, targets: [{ provider: counted, model: {{ProviderModel}} }] }
            maxTokens: {{MaxTokens}}
            # Room for the counted prompt and the cap, not for the prompt's bound: every call is counted before it is sent.
            quotas: [{ key: route, period: minute, tokens: {{countedQuota}} }]
            prices: [{ model: {{ProviderModel}}, input: "2.50", output: "10.00" }]
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: ai-counted, namespace: default }
        spec:
          policies: [ai-counted]
          rules:
            - matches: [{ path: { value: {{CountedRoute}} } }]
        """;

    /// <summary>Both stand-ins answer GET /v1/models and Konnect answers /readyz 200 and serves the AI route's model list.</summary>
    private async Task WaitReadyAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };
        var checks = new (Child Child, string Url)[]
        {
            (Fast, $"http://127.0.0.1:{Fast.Port}/v1/models"),
            (Paced, $"http://127.0.0.1:{Paced.Port}/v1/models"),
            (Counted, $"http://127.0.0.1:{Counted.Port}/v1/models"),
            (Konnect, $"http://127.0.0.1:{AdminPort}/readyz"),
            (Konnect, $"http://127.0.0.1:{Konnect.Port}{Route}/v1/models"),
        };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var (child, url) in checks)
        {
            while (true)
            {
                if (child.HasExited) { throw new InvalidOperationException($"{child.Name} exited before it was ready:\n{child.Tail()}"); }
                try
                {
                    using var response = await http.GetAsync(url).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode) { break; }
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                if (DateTime.UtcNow > deadline) { throw new TimeoutException($"{child.Name} did not answer {url} within 60 s:\n{child.Tail()}"); }
                await Task.Delay(50).ConfigureAwait(false);
            }
        }
    }

    public void Dispose()
    {
        Konnect.Dispose();
        Fast.Dispose();
        Paced.Dispose();
        Counted.Dispose();
        try { Directory.Delete(_manifests, recursive: true); } catch (IOException) { }
    }
}
