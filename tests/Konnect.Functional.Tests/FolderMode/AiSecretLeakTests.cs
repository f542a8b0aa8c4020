using System.Diagnostics;
using System.Text;
using Konnect.Testing;
using Konnect.Testing.Ai;

namespace Konnect.Functional.Tests.FolderMode;

/// <summary>
/// The real binary in folder mode, every Konnect log category at Debug, an AI route whose provider key comes from a
/// Secret. Calls succeed, are refused by the provider (401, 429) and stream; the provider gets its key and never the
/// client's credential, and the key appears in no output, /config, /status or answer.
/// </summary>
public sealed class AiSecretLeakTests : IAsyncLifetime
{
    private const string ProviderKey = "sk-proj-leak-9c2e7a1f5d";
    private const string ClientKey = "client-leak-4b8d2f6a";

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-ai-leak-").FullName;
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FakeAiProvider _provider = null!;
    private Process _konnect = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        File.WriteAllText(Path.Combine(_dir, "ai.yaml"), $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: openai, namespace: ai }
            stringData: { api-key: "{{ProviderKey}}" }
            ---
            apiVersion: v1
            kind: Secret
            metadata: { name: team-key, namespace: ai }
            stringData: { api-key: "{{ClientKey}}" }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectConsumer
            metadata: { name: team, namespace: ai }
            spec: { credentials: { apiKeys: [{ secretName: team-key }] } }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: llm, namespace: ai }
            spec:
              authentication: { apiKey: { header: authorization-key } }
              ai:
                providers: [{ name: openai, type: OpenAI, baseUrl: "{{_provider.BaseUrl}}", secretName: openai }]
                models: [{ name: fast, targets: [{ provider: openai, model: gpt-4o-mini }] }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: llm, namespace: ai }
            spec:
              policies: [llm]
              rules: [{ matches: [{ path: { value: /ai } }] }]
            """);
        _konnect = Repo.StartDotnet(Repo.KonnectDll, _output, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Debug" },
            "run", "--manifests", _dir, "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_admin}/readyz")).IsSuccessStatusCode, "konnect ready");
    }

    public async Task DisposeAsync()
    {
        Repo.Stop(_konnect);
        await _provider.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task ProviderKey_ReachesTheProviderOnly_ClientCredentialNever()
    {
        _provider.Enqueue(FakeReply.Default);
        _provider.Enqueue(new FakeReply { Status = 401 });
        _provider.Enqueue(FakeReply.Default);
        _provider.Enqueue(new FakeReply { Status = 429, RetryAfter = TimeSpan.FromSeconds(2) });

        var ok = await SendAsync(stream: false);
        var refused = await SendAsync(stream: false);
        var streamed = await SendAsync(stream: true);
        // Last: the 429 rests the provider's only key for its Retry-After.
        var limited = await SendAsync(stream: false);
        var config = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/config");
        var statuses = await _http.GetStringAsync($"http://127.0.0.1:{_admin}/status");
        string output;
        lock (_output) { output = _output.ToString(); }

        Assert.Equal((200, 502, 429, 200), (ok.Status, refused.Status, limited.Status, streamed.Status));
        Assert.Contains("refused the gateway's credentials (HTTP 401)", refused.Body, StringComparison.Ordinal);
        Assert.All(_provider.Calls, c => Assert.Equal("Bearer " + ProviderKey, c.Headers["authorization"]));
        Assert.All(_provider.Calls, c => Assert.DoesNotContain(c.Headers.Values, v => v.Contains(ClientKey, StringComparison.Ordinal)));
        Assert.Contains("keysVersion", config, StringComparison.Ordinal);
        Assert.Contains("dbug:", output, StringComparison.Ordinal);
        foreach (var (where, text) in new[] { ("/config", config), ("/status", statuses), ("output", output), ("ok", ok.Body), ("401", refused.Body), ("429", limited.Body), ("stream", streamed.Body) })
        {
            Assert.False(text.Contains(ProviderKey, StringComparison.Ordinal), $"the provider key appears in {where}");
            Assert.False(text.Contains(ClientKey, StringComparison.Ordinal), $"the client key appears in {where}");
        }
    }

    private async Task<(int Status, string Body)> SendAsync(bool stream)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{_traffic}/ai/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"fast","stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("authorization-key", ClientKey);
        using var response = await _http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
