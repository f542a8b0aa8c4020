using System.Diagnostics;
using System.Text.Json;
using Konnect.Testing;

namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// What `make run` promises, end to end with real processes: the echo upstreams, the `konnect` binary on copies of
/// the folders `make run` serves (samples/quickstart, samples/platform and samples/local, as --manifests folders) with
/// the developer portal on, and curl as the client, as the README's curl lines are run.
/// </summary>
public sealed class QuickstartTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-quickstart-").FullName;
    private readonly List<Process> _processes = [];
    private readonly int _traffic = Repo.FreePort();
    private readonly int _admin = Repo.FreePort();
    private readonly int _portal = Repo.FreePort();

    public async Task InitializeAsync()
    {
        // samples/local names the echo ports 9101-9106; move them to free ports so tests never collide with `make run`.
        var ports = new[] { "9101", "9102", "9103", "9104", "9105", "9106" }.ToDictionary(p => p, _ => Repo.FreePort());
        var manifests = new List<string>();
        foreach (var folder in MakeRunFolders())
        {
            var copy = Path.Combine(_dir, folder.Replace('/', '-'));
            Directory.CreateDirectory(copy);
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, folder), "*.yaml"))
            {
                var text = File.ReadAllText(file);
                foreach (var (from, to) in ports) { text = text.Replace(from, to.ToString()); }
                File.WriteAllText(Path.Combine(copy, Path.GetFileName(file)), text);
            }
            manifests.AddRange(["--manifests", copy]);
        }
        foreach (var (name, original) in new[] { ("orders-v1", "9101"), ("orders-v2", "9102"), ("legacy", "9103"), ("model", "9104"), ("catalog-v1", "9105"), ("catalog-v2", "9106") })
        {
            _processes.Add(Repo.StartDotnet(Repo.EchoDll, "--urls", $"http://127.0.0.1:{ports[original]}", "--name", name));
        }
        _processes.Add(Repo.StartDotnet(Repo.KonnectDll, ["run", .. manifests,
            "--listen", $"http://127.0.0.1:{_traffic}", "--admin-listen", $"http://127.0.0.1:{_admin}", "--portal-listen", $"http://127.0.0.1:{_portal}"]));

        await Repo.EventuallyAsync(async () => (await Curl($"http://127.0.0.1:{_admin}/readyz")).Status == 200, "konnect /readyz");
        foreach (var port in ports.Values)
        {
            await Repo.EventuallyAsync(async () => (await Curl($"http://127.0.0.1:{port}/")).Status == 200, $"echo on {port}");
        }
    }

    public Task DisposeAsync()
    {
        Repo.Stop([.. _processes]);
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Curl_Orders_SplitsBetweenVersionsAndCanaryHeaderPinsV2()
    {
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < 60; i++)
        {
            var (status, body, _) = await Curl($"http://127.0.0.1:{_traffic}/orders/42");
            Assert.Equal(200, status);
            var backend = JsonDocument.Parse(body).RootElement.GetProperty("backend").GetString()!;
            seen[backend] = seen.GetValueOrDefault(backend) + 1;
        }
        Assert.True(seen.GetValueOrDefault("orders-v1") > 30, $"orders-v1 should take about 90 %: {string.Join(", ", seen)}");

        for (var i = 0; i < 10; i++)
        {
            var (status, body, _) = await Curl($"http://127.0.0.1:{_traffic}/orders/42", "-H", "x-canary: true");
            Assert.Equal(200, status);
            Assert.Equal("orders-v2", JsonDocument.Parse(body).RootElement.GetProperty("backend").GetString());
        }
    }

    [Fact]
    public async Task Curl_Legacy_RewritesPrefixAndForwardsRequestId()
    {
        var (status, body, _) = await Curl($"http://127.0.0.1:{_traffic}/legacy/status?x=1", "-H", "x-request-id: quickstart-1");

        Assert.Equal(200, status);
        var reply = JsonDocument.Parse(body).RootElement;
        Assert.Equal("legacy", reply.GetProperty("backend").GetString());
        Assert.Equal("/status", reply.GetProperty("path").GetString());
        Assert.Equal("?x=1", reply.GetProperty("query").GetString());
        Assert.Equal("quickstart-1", reply.GetProperty("headers").GetProperty("x-request-id").GetString());
    }

    [Fact]
    public async Task Curl_UnknownPath_Gets404ProblemJson()
    {
        var (status, body, contentType) = await Curl($"http://127.0.0.1:{_traffic}/nowhere");

        Assert.Equal(404, status);
        Assert.StartsWith("application/problem+json", contentType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("requestId").GetString()));
    }

    [Fact]
    public async Task Curl_AdminConfig_ShowsTheAppliedModel()
    {
        var (status, body, _) = await Curl($"http://127.0.0.1:{_admin}/config");

        Assert.Equal(200, status);
        var routes = JsonDocument.Parse(body).RootElement.GetProperty("routes");
        Assert.Contains(routes.EnumerateArray(), r => r.GetProperty("id").GetString() == "default/orders/0");
        Assert.Contains(routes.EnumerateArray(), r => r.GetProperty("id").GetString() == "default/legacy/0");
    }

    /// <summary>The folders `make run` serves: the Makefile's MANIFESTS default (samples/quickstart samples/local).</summary>
    [Fact]
    public async Task AiStandIn_CurlAndOpenAiSdk_AnsweredWithUsageAndTokensOnMetrics()
    {
        var (status, body, contentType) = await Curl($"http://127.0.0.1:{_traffic}/ai/v1/chat/completions",
            "-d", """{"model":"standin","messages":[{"role":"user","content":"Hello there gateway"}]}""");
        Assert.Equal((200, "application/json"), (status, contentType));
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.StartsWith("You said 3 words.", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.True(answer.GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);

        var client = new OpenAI.Chat.ChatClient("standin", new System.ClientModel.ApiKeyCredential("unused"),
            new OpenAI.OpenAIClientOptions { Endpoint = new Uri($"http://127.0.0.1:{_traffic}/ai/v1") });
        var text = new System.Text.StringBuilder();
        var updates = 0;
        OpenAI.Chat.ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new OpenAI.Chat.UserChatMessage("Stream me a few words")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate) { text.Append(part.Text); }
            usage = update.Usage ?? usage;
        }
        Assert.StartsWith("You said 5 words.", text.ToString(), StringComparison.Ordinal);
        Assert.True(updates > 5, $"one event per word, got {updates}");
        Assert.True(usage!.OutputTokenCount > 0);

        var (_, metrics, _) = await Curl($"http://127.0.0.1:{_admin}/metrics");
        Assert.Contains("gen_ai_client_token_usage_bucket{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openai_compatible\",gen_ai_request_model=\"standin\"", metrics, StringComparison.Ordinal);
        Assert.Contains("konnect_ai_tokens_total{consumer=\"\",estimated=\"false\",model=\"standin\",namespace=\"default\",route=\"ai\",type=\"output\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_DeprecatedVersion_CarriesItsHeaders_AndThePortalListsTheApi()
    {
        var (status, _, _) = await Curl($"http://127.0.0.1:{_traffic}/v1/products", "-D", Path.Combine(_dir, "headers"));
        var headers = await File.ReadAllTextAsync(Path.Combine(_dir, "headers"));
        var (portalStatus, catalog, contentType) = await Curl($"http://127.0.0.1:{_portal}/api/apis?q=catalog");

        Assert.Equal(200, status);
        Assert.Contains("deprecation: @1780272000", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("sunset: Wed, 30 Jun 2027 00:00:00 GMT", headers, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((200, "application/json; charset=utf-8"), (portalStatus, contentType));
        var api = JsonDocument.Parse(catalog).RootElement.GetProperty("apis").EnumerateArray().Single();
        Assert.Equal(("catalog", "Product catalog"), (api.GetProperty("name").GetString(), api.GetProperty("title").GetString()));
    }

    private static string[] MakeRunFolders()
    {
        var line = File.ReadLines(Path.Combine(Repo.Root, "Makefile")).Single(l => l.StartsWith("MANIFESTS ?=", StringComparison.Ordinal));
        return line["MANIFESTS ?=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Runs the real curl and returns status, body and content type.</summary>
    private static async Task<(int Status, string Body, string ContentType)> Curl(string url, params string[] extra)
    {
        var (code, stdout, stderr) = await Repo.RunAsync("curl", [.. new[] { "-s", "-m", "10", "-w", "\n%{http_code} %{content_type}", url }, .. extra]);
        if (code != 0) { throw new HttpRequestException($"curl exited {code}: {stderr}"); }
        var split = stdout.LastIndexOf('\n');
        var tail = stdout[(split + 1)..].Split(' ', 2);
        return (int.Parse(tail[0]), stdout[..split], tail.Length > 1 ? tail[1] : "");
    }
}
