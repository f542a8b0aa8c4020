using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Ai;
using static Konnect.Gateway.Tests.Ai.AiChatTests;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>Token quotas reserve before the call and settle on usage: concurrent streams cannot overshoot.</summary>
public sealed class AiQuotaTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private const string Authentication = "{ apiKey: { header: x-api-key } }";

    private static string Consumer(string name, string key) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: {{name}}-key, namespace: ai }
        stringData: { api-key: "{{key}}" }
        ---
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectConsumer
        metadata: { name: {{name}}, namespace: ai }
        spec: { credentials: { apiKeys: [{ secretName: {{name}}-key }] } }
        """;

    [Fact]
    public async Task FiftyConcurrentStreams_BudgetNeverOvershot_EveryAdmittedStreamCompletes()
    {
        const int budget = 3_000;
        const int cap = 100;
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), Consumer("team", "team-key"), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            maxTokens: {{cap}}
            quotas: [{ key: consumer, period: hour, tokens: {{budget}} }]
            """, Authentication));
        // Each answer uses the whole cap, so admitting on the prompt alone would let far too many through.
        for (var i = 0; i < 50; i++) { fake.Enqueue(new FakeReply { Text = string.Join(' ', Enumerable.Repeat("word", cap)), OutputTokens = cap, EventDelay = TimeSpan.FromMilliseconds(2) }); }

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/ai/v1/chat/completions")
            {
                Content = new StringContent("""{"model":"fast","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Write a hundred words please"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-api-key", "team-key");
            using var response = await _gateway.Traffic.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, body);
        }));

        var admitted = results.Where(r => r.StatusCode == HttpStatusCode.OK).ToArray();
        var charged = admitted.Sum(r => Usage(r.body));
        Assert.All(admitted, r => Assert.EndsWith("data: [DONE]\n\n", r.body, StringComparison.Ordinal));
        Assert.All(results.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.TooManyRequests, r.StatusCode));
        Assert.InRange(charged, 1, budget + cap);
        Assert.True(admitted.Length < 50, "the budget must refuse some of the 50 calls");
        Assert.Equal(admitted.Length, fake.Calls.Count);
    }

    [Fact]
    public async Task QuotaUsedUp_429InOpenAiShapeWithRateLimitHeaders()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            maxTokens: 50
            quotas: [{ key: route, period: minute, tokens: 120 }]
            """));
        for (var i = 0; i < 3; i++) { fake.Enqueue(new FakeReply { InputTokens = 10, OutputTokens = 40 }); }

        using var first = await PostAsync("""{"model":"fast","messages":[{"role":"user","content":"hi"}]}""");
        using var second = await PostAsync("""{"model":"fast","messages":[{"role":"user","content":"hi"}]}""");
        using var third = await PostAsync("""{"model":"fast","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("120", first.Headers.GetValues("RateLimit-Limit").Single());
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter);
        Assert.True(third.Headers.Contains("RateLimit-Reset"));
        var error = JsonNode.Parse(await third.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(("rate_limit_error", "insufficient_quota"), ((string?)error["type"], (string?)error["code"]));
    }

    [Fact]
    public async Task NearTheLimit_PromptsBoundDoesNotFit_CountedExactlyAndAdmitted()
    {
        // The gateway first reserves a prompt's bound (its UTF-8 length); where that does not fit it counts the prompt
        // and tries the count. Here the quota has room for the counted prompt and the cap, a fifth of its bound.
        var request = $$"""{"model":"fast","messages":[{"role":"user","content":"{{string.Join(' ', Enumerable.Repeat("token", 400))}}"}]}""";
        var counted = Konnect.Gateway.Ai.Tokens.PromptTokens.CountChat((JsonObject)JsonNode.Parse(request)!, "fast");
        var bound = Konnect.Gateway.Ai.Tokens.PromptTokens.BoundChat((JsonObject)JsonNode.Parse(request)!);
        const int cap = 50;
        var limit = counted + cap + 10;
        Assert.True(bound + cap > limit, $"bound {bound}, count {counted}: the bound must not fit for this test to mean anything");
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            maxTokens: {{cap}}
            quotas: [{ key: route, period: minute, tokens: {{limit}} }]
            """));
        for (var i = 0; i < 2; i++) { fake.Enqueue(new FakeReply { InputTokens = counted, OutputTokens = 5 }); }

        using var first = await PostAsync(request);
        using var second = await PostAsync(request);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal((limit - counted - cap).ToString(System.Globalization.CultureInfo.InvariantCulture), first.Headers.GetValues("RateLimit-Remaining").Single());
        // The first call settled on its usage (the count and 5), which leaves no room for the second's count and cap.
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Single(fake.Calls);
    }

    [Fact]
    public async Task ConsumerQuota_SdkKeyIsTheConsumersApiKey_EachConsumerCountedApart()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), Consumer("alpha", "alpha-key"), Consumer("beta", "beta-key"), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            maxTokens: 50
            quotas: [{ key: consumer, period: day, tokens: 70 }]
            """, "{ apiKey: { header: authorization } }"));
        for (var i = 0; i < 3; i++) { fake.Enqueue(new FakeReply { InputTokens = 10, OutputTokens = 40 }); }

        // The OpenAI SDK sends its key as "Authorization: Bearer <key>": the consumer's Konnect API key.
        await Chat(_gateway, key: "alpha-key").CompleteChatAsync(new OpenAI.Chat.UserChatMessage("hi"));
        var spent = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => Chat(_gateway, key: "alpha-key").CompleteChatAsync(new OpenAI.Chat.UserChatMessage("hi")));
        await Chat(_gateway, key: "beta-key").CompleteChatAsync(new OpenAI.Chat.UserChatMessage("hi"));
        var unknown = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => Chat(_gateway, key: "nobody").CompleteChatAsync(new OpenAI.Chat.UserChatMessage("hi")));

        Assert.Equal(429, spent.Status);
        Assert.Contains("counted per consumer", spent.Message, StringComparison.Ordinal);
        Assert.Equal(401, unknown.Status);
        Assert.Equal(2, fake.Calls.Count);
        Assert.All(fake.Calls, c => Assert.Equal("Bearer k", c.Headers["authorization"]));
    }

    [Fact]
    public async Task Metrics_GenAiTokenUsageAndCost_OnMetricsEndpoint()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.Anthropic);
        fake.Enqueue(new FakeReply { InputTokens = 1000, OutputTokens = 200, Model = "claude-haiku-20250101" });
        fake.Enqueue(new FakeReply { OmitUsage = true, Text = "counted by the gateway" });
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "Anthropic", fake))}}
            models: [{ name: fast, targets: [{ provider: p, model: claude-haiku }] }]
            prices: [{ model: claude-haiku, input: "1.00", output: "5.00" }]
            """));

        (await PostAsync("""{"model":"fast","messages":[{"role":"user","content":"hi"}]}""")).Dispose();
        (await PostAsync("""{"model":"fast","stream":true,"messages":[{"role":"user","content":"hi"}]}""")).Dispose();
        var metrics = await _gateway.Admin.GetStringAsync("/metrics");

        Assert.Contains("gen_ai_client_token_usage_sum{gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"anthropic\",gen_ai_request_model=\"fast\",gen_ai_response_model=\"claude-haiku-20250101\",gen_ai_token_type=\"input\"} 1000", metrics, StringComparison.Ordinal);
        Assert.Contains("gen_ai_server_time_to_first_token_seconds_count{", metrics, StringComparison.Ordinal);
        Assert.Contains("gen_ai_server_request_duration_seconds_count{", metrics, StringComparison.Ordinal);
        // 1000 input at 1.00 and 200 output at 5.00 per million tokens.
        Assert.Contains("konnect_ai_cost_total{consumer=\"\",model=\"fast\",namespace=\"ai\",route=\"llm\"} 0.002", metrics, StringComparison.Ordinal);
        // Without usage from the provider, the streamed text is counted with the tokenizer (cl100k for a Claude model).
        var counted = Konnect.Gateway.Ai.Tokens.PromptTokens.CountText("counted by the gateway", "claude-haiku");
        Assert.Contains($"konnect_ai_tokens_total{{consumer=\"\",estimated=\"true\",model=\"fast\",namespace=\"ai\",route=\"llm\",type=\"output\"}} {counted}", metrics, StringComparison.Ordinal);
    }

    private static long Usage(string sse)
    {
        foreach (var line in sse.Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal)) { continue; }
            if (JsonNode.Parse(line["data: ".Length..])?["usage"] is JsonObject usage) { return (long)usage["total_tokens"]!; }
        }
        throw new Xunit.Sdk.XunitException("no usage chunk in " + sse);
    }

    private Task<HttpResponseMessage> PostAsync(string json) =>
        _gateway.Traffic.PostAsync("/ai/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));
}
