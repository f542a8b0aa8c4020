using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing;
using Konnect.Testing.Ai;
using OpenAI.Chat;
using static Konnect.Gateway.Tests.Ai.AiChatTests;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>Model names, weighted targets, fallbacks, key rotation and the errors an SDK sees.</summary>
public sealed class AiRoutingTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task UnknownModel_OpenAiAndAnthropicSdks_SeeTheirOwnErrorListingTheNames()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models:
              - { name: fast, targets: [{ provider: p }] }
              - { name: smart, targets: [{ provider: p }] }
            """));

        var openAi = await Assert.ThrowsAsync<ClientResultException>(() => Chat(_gateway, "gpt-5").CompleteChatAsync(new UserChatMessage("hi")));
        var anthropic = await Assert.ThrowsAsync<AnthropicNotFoundException>(() => Claude(_gateway).Messages.Create(new MessageCreateParams { Model = "claude-x", MaxTokens = 10, Messages = [new UserMessageParam("hi")] }));

        Assert.Equal(404, openAi.Status);
        Assert.Contains("'gpt-5' is not served here; this route serves: fast, smart", openAi.Message, StringComparison.Ordinal);
        Assert.Contains("fast, smart", anthropic.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Calls);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(429)]
    public async Task Fallback_FirstTargetFails_SecondAnswers(int status)
    {
        await using var first = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await using var second = await FakeAiProvider.StartAsync(AiWire.Anthropic);
        first.Enqueue(new FakeReply { Status = status });
        await ServeFallbackAsync(first, second);

        ChatCompletion completion = await Chat(_gateway).CompleteChatAsync(new UserChatMessage("hi"));

        Assert.Equal(FakeReply.Greeting(AiWire.Anthropic), completion.Content.Single().Text);
        Assert.Single(first.Calls);
        Assert.Equal("claude-haiku", Assert.Single(second.Calls).Body!["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task Fallback_SlowFirstByte_TimesOutThenSecondAnswersStreaming()
    {
        await using var first = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await using var second = await FakeAiProvider.StartAsync(AiWire.Gemini);
        first.Enqueue(new FakeReply { FirstByteDelay = TimeSpan.FromSeconds(10) });
        await ServeFallbackAsync(first, second, timeout: "500ms");

        var text = new StringBuilder();
        await foreach (var update in Chat(_gateway).CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate) { text.Append(part.Text); }
        }

        Assert.Equal(FakeReply.Greeting(AiWire.Gemini), text.ToString());
    }

    [Fact]
    public async Task Fallback_StreamBreaksBeforeItsFirstEvent_SecondAnswersUnnoticed()
    {
        await using var first = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await using var second = await FakeAiProvider.StartAsync(AiWire.Anthropic);
        first.Enqueue(new FakeReply { BreakAfterEvents = 0 });
        await ServeFallbackAsync(first, second);

        var text = new StringBuilder();
        await foreach (var update in Chat(_gateway).CompleteChatStreamingAsync([new UserChatMessage("hi")]))
        {
            foreach (var part in update.ContentUpdate) { text.Append(part.Text); }
        }

        Assert.Equal(FakeReply.Greeting(AiWire.Anthropic), text.ToString());
        Assert.Single(first.Calls);
        Assert.Single(second.Calls);
    }

    [Fact]
    public async Task Fallback_ConnectionRefused_SecondAnswers()
    {
        await using var second = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        var closed = TestPorts.Free();
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("a", "k1"), ("b", "k2")), AiSetup.PolicyAndRoute($$"""
            providers:
              - { name: a, type: OpenAI, baseUrl: "http://127.0.0.1:{{closed}}/v1", secretName: keys, secretKeys: [a] }
              - { name: b, type: OpenAI, baseUrl: "{{second.BaseUrl}}", secretName: keys, secretKeys: [b] }
            models:
              - { name: fast, targets: [{ provider: a }], fallbacks: [{ provider: b }] }
            """));

        ChatCompletion completion = await Chat(_gateway).CompleteChatAsync(new UserChatMessage("hi"));

        Assert.Equal(FakeReply.Greeting(AiWire.OpenAI), completion.Content.Single().Text);
    }

    [Fact]
    public async Task Fallback_AllFail_LastFailureInTheApisShapeWithRetryAfter()
    {
        await using var only = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        only.Enqueue(new FakeReply { Status = 429, RetryAfter = TimeSpan.FromSeconds(7) });
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", only))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            """));

        using var response = await PostAsync("/ai/v1/chat/completions", """{"model":"fast","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(("rate_limit_error", "provider-rate-limited"), ((string?)error["type"], (string?)error["code"]));
    }

    [Fact]
    public async Task KeyRotation_KeyGets429_RestsAndTheNextKeyServesUntilItsRetryAfter()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("k1", "key-one"), ("k2", "key-two")), AiSetup.PolicyAndRoute($$"""
            providers:
              - { name: p, type: OpenAI, baseUrl: "{{fake.BaseUrl}}", secretName: keys, secretKeys: [k1, k2] }
            models: [{ name: fast, targets: [{ provider: p }] }]
            """));
        // Whichever key goes first is throttled for a minute; every call after it must use the other key.
        fake.Enqueue(new FakeReply { Status = 429, RetryAfter = TimeSpan.FromSeconds(60) });

        for (var i = 0; i < 4; i++) { await Chat(_gateway).CompleteChatAsync(new UserChatMessage("hi")); }

        var keys = fake.Calls.Select(c => c.Headers["authorization"]).ToArray();
        Assert.Equal(5, keys.Length);
        Assert.NotEqual(keys[0], keys[1]);
        Assert.All(keys[1..], k => Assert.Equal(keys[1], k));
    }

    [Fact]
    public async Task WeightedTargets_SplitCallsByWeight()
    {
        await using var a = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await using var b = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("a", "k1"), ("b", "k2")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("a", "OpenAI", a), ("b", "OpenAI", b))}}
            models: [{ name: fast, targets: [{ provider: a, model: small, weight: 3 }, { provider: b, model: large, weight: 1 }] }]
            """));

        for (var i = 0; i < 200; i++) { (await PostAsync("/ai/v1/chat/completions", """{"model":"fast","messages":[{"role":"user","content":"hi"}]}""")).Dispose(); }

        Assert.InRange(a.Calls.Count, 125, 175);
        Assert.Equal(200, a.Calls.Count + b.Calls.Count);
    }

    [Fact]
    public async Task MissingSecret_RuleAnswers503InTheApisShape()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            """));

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(_gateway).CompleteChatAsync(new UserChatMessage("hi")));

        Assert.Equal(503, error.Status);
        Assert.Contains("not resolve", error.Message, StringComparison.Ordinal);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task BrokenStream_ClientGetsTheWordsSoFarThenAnErrorEvent()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { Text = "a b c d e f g h", BreakAfterEvents = 4 });
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            """));

        using var response = await PostAsync("/ai/v1/chat/completions", """{"model":"fast","stream":true,"messages":[{"role":"user","content":"hi"}]}""");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var data = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToArray();
        Assert.Contains("provider-stream-broken", data[^1], StringComparison.Ordinal);
        Assert.DoesNotContain("[DONE]", data);
        Assert.True(data.Length >= 3, body);
    }

    private Task ServeFallbackAsync(FakeAiProvider first, FakeAiProvider second, string timeout = "60s") =>
        AiSetup.ServeAsync(_gateway, AiSetup.Secret(("a", "k1"), ("b", "k2")), AiSetup.PolicyAndRoute($$"""
            providers:
              - { name: a, type: {{Type(first)}}, baseUrl: "{{first.BaseUrl}}", secretName: keys, secretKeys: [a], timeout: {{timeout}} }
              - { name: b, type: {{Type(second)}}, baseUrl: "{{second.BaseUrl}}", secretName: keys, secretKeys: [b] }
            models:
              - { name: fast, targets: [{ provider: a, model: gpt-4o-mini }], fallbacks: [{ provider: b, model: claude-haiku }] }
            """));

    private static string Type(FakeAiProvider fake) => fake.Wire.ToString();

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        _gateway.Traffic.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
}
