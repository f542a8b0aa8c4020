using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using Anthropic;
using Anthropic.Models.Messages;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Ai;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>
/// The official OpenAI and Anthropic SDKs call Konnect; Konnect calls fake providers that speak each provider's real
/// wire format. Every front meets every provider's format, streamed and not.
/// </summary>
public sealed class AiChatTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    internal static string Providers(params (string Name, string Type, FakeAiProvider Fake)[] providers) =>
        "providers:\n" + string.Join("\n", providers.Select(p => $"  - {{ name: {p.Name}, type: {p.Type}, baseUrl: \"{p.Fake.BaseUrl}\", secretName: keys, secretKeys: [{p.Name}] }}"));

    private async Task ServeAsync(FakeAiProvider fake, string type)
    {
        await AiSetup.ServeAsync(_gateway,
            AiSetup.Secret(("p", $"{type}-provider-key")),
            AiSetup.PolicyAndRoute($$"""
                {{Providers(("p", type, fake))}}
                models:
                  - { name: fast, targets: [{ provider: p, model: upstream-model }] }
                """));
    }

    internal static ChatClient Chat(TestGateway gateway, string model = "fast", string key = "client-key") =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(gateway.Traffic.BaseAddress!, "/ai/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) });

    internal static AnthropicClient Claude(TestGateway gateway) =>
        new() { BaseUrl = new Uri(gateway.Traffic.BaseAddress!, "/ai").ToString(), ApiKey = "client-key", MaxRetries = 0 };

    [Theory]
    [InlineData(AiWire.OpenAI, "OpenAI")]
    [InlineData(AiWire.Anthropic, "Anthropic")]
    [InlineData(AiWire.Gemini, "Gemini")]
    [InlineData(AiWire.AzureOpenAI, "AzureOpenAI")]
    public async Task OpenAiSdk_CompleteChat_AnsweredByEachProviderFormat(AiWire wire, string type)
    {
        await using var fake = await FakeAiProvider.StartAsync(wire);
        fake.Enqueue(new FakeReply { Text = "Paris is the capital.", InputTokens = 17, OutputTokens = 5 });
        await ServeAsync(fake, type);

        ChatCompletion completion = await Chat(_gateway).CompleteChatAsync(new SystemChatMessage("Be brief."), new UserChatMessage("Capital of France?"));

        Assert.Equal("Paris is the capital.", completion.Content.Single().Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal((17, 5), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount));
        var call = Assert.Single(fake.Calls);
        Assert.False(call.Stream);
        // The provider's key, in the provider's own header; never the client's credential.
        var (header, value) = wire switch
        {
            AiWire.Anthropic => ("x-api-key", "Anthropic-provider-key"),
            AiWire.Gemini => ("x-goog-api-key", "Gemini-provider-key"),
            AiWire.AzureOpenAI => ("api-key", "AzureOpenAI-provider-key"),
            _ => ("authorization", "Bearer OpenAI-provider-key"),
        };
        Assert.Equal(value, call.Headers[header]);
        Assert.DoesNotContain(call.Headers, h => h.Value.Contains("client-key", StringComparison.Ordinal));
        Assert.Contains("upstream-model", call.Path + call.Body?["model"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AiWire.OpenAI, "OpenAI")]
    [InlineData(AiWire.Anthropic, "Anthropic")]
    [InlineData(AiWire.Gemini, "Gemini")]
    public async Task OpenAiSdk_Streaming_EventsArriveAsSentWithUsage(AiWire wire, string type)
    {
        await using var fake = await FakeAiProvider.StartAsync(wire);
        fake.Enqueue(new FakeReply { Text = "one two three four", InputTokens = 9, OutputTokens = 4, EventDelay = TimeSpan.FromMilliseconds(150) });
        await ServeAsync(fake, type);

        var words = new List<(string Text, long At)>();
        ChatTokenUsage? usage = null;
        var started = System.Diagnostics.Stopwatch.StartNew();
        await foreach (var update in Chat(_gateway).CompleteChatStreamingAsync([new UserChatMessage("Count to four")]))
        {
            foreach (var part in update.ContentUpdate) { words.Add((part.Text, started.ElapsedMilliseconds)); }
            usage = update.Usage ?? usage;
        }

        Assert.Equal("one two three four", string.Concat(words.Select(w => w.Text)));
        // Relayed as they come: the first word long before the last (the provider spaces them 150 ms apart).
        Assert.True(words[^1].At - words[0].At >= 300, $"first at {words[0].At} ms, last at {words[^1].At} ms: the stream was buffered");
        Assert.Equal((9, 4), (usage!.InputTokenCount, usage.OutputTokenCount));
        Assert.True(Assert.Single(fake.Calls).Stream);
    }

    [Fact]
    public async Task OpenAiStream_ClientAskedNoUsage_GatewayAsksProviderButDropsTheUsageChunk()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { Text = "a b", InputTokens = 5, OutputTokens = 2 });
        await ServeAsync(fake, "OpenAI");

        using var response = await _gateway.Traffic.PostAsync("/ai/v1/chat/completions", new StringContent(
            """{"model":"fast","stream":true,"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        var metrics = await _gateway.Admin.GetStringAsync("/metrics");

        Assert.True(Assert.Single(fake.Calls).Body!["stream_options"]!["include_usage"]!.GetValue<bool>());
        Assert.DoesNotContain("\"usage\":{", body, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        Assert.Contains("konnect_ai_tokens_total{consumer=\"\",estimated=\"false\",model=\"fast\",namespace=\"ai\",route=\"llm\",type=\"output\"} 2", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(AiWire.OpenAI, "OpenAI")]
    [InlineData(AiWire.Anthropic, "Anthropic")]
    [InlineData(AiWire.Gemini, "Gemini")]
    public async Task AnthropicSdk_MessagesCreate_AnsweredByEachProviderFormat(AiWire wire, string type)
    {
        await using var fake = await FakeAiProvider.StartAsync(wire);
        fake.Enqueue(new FakeReply { Text = "Bonjour.", InputTokens = 12, OutputTokens = 3 });
        await ServeAsync(fake, type);

        var message = await Claude(_gateway).Messages.Create(new MessageCreateParams { Model = "fast", MaxTokens = 100, System = "Answer in French.", Messages = [new UserMessageParam("Hello")] });

        Assert.True(message.Content.Single().TryPickText(out var text));
        Assert.Equal("Bonjour.", text!.Text);
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.Equal((12L, 3L), (message.Usage.InputTokens, message.Usage.OutputTokens));
    }

    [Theory]
    [InlineData(AiWire.OpenAI, "OpenAI")]
    [InlineData(AiWire.Anthropic, "Anthropic")]
    [InlineData(AiWire.Gemini, "Gemini")]
    public async Task AnthropicSdk_CreateStreaming_TextDeltasAndUsageFromEachProviderFormat(AiWire wire, string type)
    {
        await using var fake = await FakeAiProvider.StartAsync(wire);
        fake.Enqueue(new FakeReply { Text = "un deux trois", InputTokens = 8, OutputTokens = 3 });
        await ServeAsync(fake, type);

        var text = new StringBuilder();
        long output = 0;
        StopReason? stop = null;
        await foreach (var e in Claude(_gateway).Messages.CreateStreaming(new MessageCreateParams { Model = "fast", MaxTokens = 100, Messages = [new UserMessageParam("Count")] }))
        {
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece)) { text.Append(piece.Text); }
            if (e.TryPickDelta(out var end)) { (output, stop) = (end.Usage.OutputTokens, end.Delta.StopReason!.Value()); }
        }

        Assert.Equal("un deux trois", text.ToString());
        Assert.Equal((3L, StopReason.EndTurn), (output, stop));
    }

    [Theory]
    [InlineData(AiWire.OpenAI, "OpenAI")]
    [InlineData(AiWire.Anthropic, "Anthropic")]
    [InlineData(AiWire.Gemini, "Gemini")]
    public async Task OpenAiSdk_ToolCall_ComesBackAsAFunctionCall(AiWire wire, string type)
    {
        await using var fake = await FakeAiProvider.StartAsync(wire);
        fake.Enqueue(new FakeReply { ToolCall = new FakeToolCall("get_weather", """{"city":"Paris"}""") });
        await ServeAsync(fake, type);
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("get_weather", "The weather in a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")) },
        };

        ChatCompletion completion = await Chat(_gateway).CompleteChatAsync([new UserChatMessage("Weather in Paris?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var tool = Assert.Single(completion.ToolCalls);
        Assert.Equal(("get_weather", "Paris"), (tool.FunctionName, System.Text.Json.JsonDocument.Parse(tool.FunctionArguments).RootElement.GetProperty("city").GetString()));
        Assert.Contains("get_weather", Assert.Single(fake.Calls).Body!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenAiSdk_Embeddings_FromOpenAiAndGemini()
    {
        await using var openai = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await using var gemini = await FakeAiProvider.StartAsync(AiWire.Gemini);
        await AiSetup.ServeAsync(_gateway,
            AiSetup.Secret(("o", "k1"), ("g", "k2")),
            AiSetup.PolicyAndRoute($$"""
                {{Providers(("o", "OpenAI", openai), ("g", "Gemini", gemini))}}
                models:
                  - { name: embed-o, targets: [{ provider: o, model: text-embedding-3-small }] }
                  - { name: embed-g, targets: [{ provider: g, model: text-embedding-004 }] }
                """));
        var options = new OpenAIClientOptions { Endpoint = new Uri(_gateway.Traffic.BaseAddress!, "/ai/v1"), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };

        foreach (var model in new[] { "embed-o", "embed-g" })
        {
            OpenAIEmbeddingCollection embeddings = await new EmbeddingClient(model, new ApiKeyCredential("client-key"), options).GenerateEmbeddingsAsync(["red apple", "green pear"]);
            Assert.Equal(2, embeddings.Count);
            Assert.Equal(FakeAiProvider.Embedding("red apple"), embeddings[0].ToFloats().ToArray());
        }
        Assert.Single(openai.Calls);
        Assert.EndsWith(":batchEmbedContents", Assert.Single(gemini.Calls).Path, StringComparison.Ordinal);
    }
}
