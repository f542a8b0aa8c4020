using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Konnect.Testing;
using Konnect.Testing.Ai;
using Microsoft.ML.Tokenizers;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using OpenAI.Models;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>
/// The fake providers speak the real wire formats: the official OpenAI and Anthropic SDKs, pointed straight at them
/// (no gateway), parse their answers, streams and errors; Azure and Gemini, which have no SDK here, are read raw. And
/// konnect-echo's stand-in model reports usage as the o200k tokenizer counts it.
/// </summary>
public sealed class FakeProviderTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task OpenAiFake_CompleteChat_ReturnsGreetingWithUsageAndRecordsTheCall()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);

        ChatCompletion completion = await Chat(fake, "wrong-key").CompleteChatAsync(new SystemChatMessage("Be brief."), new UserChatMessage("Say hello to me"));

        Assert.Equal("Hello from the fake OpenAI provider.", completion.Content.Single().Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal((2 + 2) + (4 + 2), completion.Usage.InputTokenCount); // words + 2 per message
        Assert.Equal(6, completion.Usage.OutputTokenCount);
        var call = Assert.Single(fake.Calls);
        Assert.Equal(("POST", "/v1/chat/completions", false), (call.Method, call.Path, call.Stream));
        Assert.Equal("Bearer wrong-key", call.Headers["authorization"]); // a wrong key is answered all the same
        Assert.Equal("gpt-4o", call.Body!["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAiFake_CompleteChatStreaming_StreamsOneWordPerChunkThenUsage()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { Text = "one two  three", InputTokens = 11, Model = "gpt-4o-2024-08-06" });

        var words = new List<string>();
        ChatTokenUsage? usage = null;
        await foreach (var update in Chat(fake).CompleteChatStreamingAsync([new UserChatMessage("Count")]))
        {
            words.AddRange(Texts(update));
            usage ??= update.Usage;
            Assert.Equal("gpt-4o-2024-08-06", update.Model);
        }

        Assert.Equal(["one", " two", "  three"], words);
        Assert.Equal((11, 3, 14), (usage!.InputTokenCount, usage.OutputTokenCount, usage.TotalTokenCount));
        var call = Assert.Single(fake.Calls);
        Assert.True(call.Stream);
        Assert.True(call.Body!["stream_options"]!["include_usage"]!.GetValue<bool>()); // the SDK asks; the fake answers
        Assert.Equal(0, fake.ActiveStreams);
    }

    [Fact]
    public async Task OpenAiFake_StreamWithoutIncludeUsage_SendsNoUsageChunk()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);

        var events = await SseDataAsync(await PostAsync($"{fake.BaseUrl}/chat/completions", """{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Null(c["usage"]));
        Assert.All(chunks, c => Assert.Single(c["choices"]!.AsArray()));
        Assert.Equal("stop", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAiFake_ToolCall_SurfacesAsAFunctionCallWholeAndStreamed()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        var call = new FakeToolCall("get_weather", """{"city":"Paris","unit":"celsius"}""");
        fake.Enqueue(new FakeReply { ToolCall = call });
        fake.Enqueue(new FakeReply { ToolCall = call });
        var client = Chat(fake);

        ChatCompletion whole = await client.CompleteChatAsync(new UserChatMessage("Weather in Paris?"));
        var arguments = new StringBuilder();
        string? name = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")]))
        {
            foreach (var tool in update.ToolCallUpdates)
            {
                name ??= tool.FunctionName;
                arguments.Append(tool.FunctionArgumentsUpdate?.ToString());
            }
        }

        Assert.Equal(ChatFinishReason.ToolCalls, whole.FinishReason);
        Assert.Equal((call.Name, call.ArgumentsJson), (whole.ToolCalls.Single().FunctionName, whole.ToolCalls.Single().FunctionArguments.ToString()));
        Assert.Equal((call.Name, call.ArgumentsJson), (name, arguments.ToString()));
    }

    [Fact]
    public async Task OpenAiFake_Embeddings_DecodeToTheDeterministicVectors()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        var client = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("test-key"), Options(fake));

        OpenAIEmbeddingCollection embeddings = await client.GenerateEmbeddingsAsync(["red apple", "green pear tree"]);

        Assert.Equal(FakeAiProvider.Embedding("red apple"), embeddings[0].ToFloats().ToArray());
        Assert.Equal(FakeAiProvider.Embedding("green pear tree"), embeddings[1].ToFloats().ToArray());
        Assert.Equal(8, embeddings[1].ToFloats().Length);
        Assert.Equal(5, embeddings.Usage.InputTokenCount);
        Assert.Equal("/v1/embeddings", Assert.Single(fake.Calls).Path);
    }

    [Fact]
    public async Task OpenAiFake_GetModelsAndAnUnknownPath_ListModelsAndAnswer404WithoutTakingAReply()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { Text = "kept" });

        var unknown = await Http.GetAsync($"{fake.BaseUrl}/assistants");
        OpenAIModelCollection models = await new OpenAIModelClient(new ApiKeyCredential("test-key"), Options(fake)).GetModelsAsync();

        Assert.Equal(404, (int)unknown.StatusCode);
        Assert.Equal("Invalid URL (GET /v1/assistants)", JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!["message"]!.GetValue<string>());
        Assert.Contains(models, m => m.Id == "gpt-4o"); // the models call took the queued reply, the 404 none
        Assert.Equal("Hello from the fake OpenAI provider.", (await Chat(fake).CompleteChatAsync(new UserChatMessage("hi"))).Value.Content[0].Text);
        Assert.Equal(["/v1/assistants", "/v1/models", "/v1/chat/completions"], fake.Calls.Select(c => c.Path));
    }

    [Fact]
    public async Task OpenAiFake_Status429_SurfacesAsClientResultExceptionWithRetryAfter()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { Status = 429, RetryAfter = TimeSpan.FromSeconds(1.5) });

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(fake).CompleteChatAsync(new UserChatMessage("hi")));

        Assert.Equal(429, error.Status);
        var response = error.GetRawResponse()!;
        Assert.Equal("2", response.Headers.TryGetValue("retry-after", out var retryAfter) ? retryAfter : null);
        var body = JsonNode.Parse(response.Content.ToString())!["error"]!;
        Assert.Equal(("requests", "rate_limit_exceeded"), (body["type"]!.GetValue<string>(), body["code"]!.GetValue<string>()));
    }

    [Fact]
    public async Task OpenAiFake_BreakAfterEvents_AbortsTheStreamAndClosesIt()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { Text = "a b c d e f", BreakAfterEvents = 3 });

        var words = new List<string>();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var update in Chat(fake).CompleteChatStreamingAsync([new UserChatMessage("hi")])) { words.AddRange(Texts(update)); }
        });

        Assert.Equal(["a", " b"], words); // the role chunk (content ""), then two words
        await Repo.EventuallyAsync(() => Task.FromResult(fake.ActiveStreams == 0), "the broken stream to close", 10);
    }

    [Fact]
    public async Task OpenAiFake_ClientLeavesMidStream_ActiveStreamsDropsToZero()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { EventDelay = TimeSpan.FromSeconds(1) });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{fake.BaseUrl}/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o","stream":true,"messages":[]}""", Encoding.UTF8, "application/json"),
        };

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());
        Assert.Equal(1, fake.ActiveStreams);
        response.Dispose();

        await Repo.EventuallyAsync(() => Task.FromResult(fake.ActiveStreams == 0), "the fake to see the client leave", 10);
    }

    [Fact]
    public async Task AzureFake_DeploymentPath_AnswersOpenAiBodiesAndAzureErrors()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.AzureOpenAI);
        fake.Enqueue(new FakeReply { OmitUsage = true });
        fake.Enqueue(new FakeReply { Status = 429, RetryAfter = TimeSpan.FromSeconds(3) });
        var url = $"{fake.BaseUrl}/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21";
        const string body = """{"messages":[{"role":"user","content":"hi"}]}""";

        var answer = JsonNode.Parse(await (await PostAsync(url, body, ("api-key", "azure-key"))).Content.ReadAsStringAsync())!;
        var limited = await PostAsync(url, body, ("api-key", "azure-key"));
        var stream = await SseDataAsync(await PostAsync(url, """{"stream":true,"messages":[]}""", ("api-key", "azure-key")));

        Assert.Equal("prod-4o", answer["model"]!.GetValue<string>());
        Assert.Equal("Hello from the fake AzureOpenAI provider.", answer["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Null(answer["usage"]);
        Assert.Equal((429, "3"), ((int)limited.StatusCode, limited.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ToString()));
        Assert.Equal("429", JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        Assert.Empty(JsonNode.Parse(stream[0])!["choices"]!.AsArray()); // Azure's prompt-filter chunk comes first
        Assert.Equal("[DONE]", stream[^1]);
        Assert.All(fake.Calls, c => Assert.Equal(("azure-key", "?api-version=2024-10-21"), (c.Headers["Api-Key"], c.Query)));
    }

    [Fact]
    public async Task GeminiFake_GenerateStreamAndEmbed_SpeakGeminiJson()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.Gemini);
        fake.Enqueue(new FakeReply { Text = "Hi there friend", InputTokens = 7 });
        fake.Enqueue(new FakeReply { Text = "Hi there friend" });
        const string body = """{"contents":[{"role":"user","parts":[{"text":"Say hi"}]}]}""";
        var key = ("x-goog-api-key", "gemini-key");

        var whole = JsonNode.Parse(await (await PostAsync($"{fake.BaseUrl}/models/gemini-2.0-flash:generateContent", body, key)).Content.ReadAsStringAsync())!;
        var raw = await (await PostAsync($"{fake.BaseUrl}/models/gemini-2.0-flash:streamGenerateContent?alt=sse", body, key)).Content.ReadAsStringAsync();
        var embedded = JsonNode.Parse(await (await PostAsync($"{fake.BaseUrl}/models/text-embedding-004:batchEmbedContents",
            """{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"red apple"}]}}]}""", key)).Content.ReadAsStringAsync())!;
        var array = JsonNode.Parse(await (await PostAsync($"{fake.BaseUrl}/models/gemini-2.0-flash:streamGenerateContent", body, key)).Content.ReadAsStringAsync())!;
        fake.Enqueue(new FakeReply { Status = 429 });
        var limited = await PostAsync($"{fake.BaseUrl}/models/gemini-2.0-flash:generateContent", body, key);

        Assert.Equal("Hi there friend", whole["candidates"]![0]!["content"]!["parts"]![0]!["text"]!.GetValue<string>());
        Assert.Equal((7, 3, 10), Usage(whole));
        var events = raw.Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries).Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList();
        Assert.Equal(3, events.Count); // one event per word, with Google's CRLF framing
        Assert.Equal("STOP", events[^1]["candidates"]![0]!["finishReason"]!.GetValue<string>());
        Assert.Equal((4, 1, 5), Usage(events[0])); // usageMetadata is cumulative: the last one is the total
        Assert.Equal((4, 3, 7), Usage(events[^1]));
        Assert.Equal(6, array.AsArray().Count); // without alt=sse, one JSON array of the same events
        Assert.Equal(FakeAiProvider.Embedding("red apple"), embedded["embeddings"]![0]!["values"]!.AsArray().Select(v => v!.GetValue<float>()));
        Assert.Equal("RESOURCE_EXHAUSTED", JsonNode.Parse(await limited.Content.ReadAsStringAsync())!["error"]!["status"]!.GetValue<string>());
        Assert.All(fake.Calls, c => Assert.Equal("gemini-key", c.Headers["x-goog-api-key"]));
        Assert.Equal([false, true, false, true, false], fake.Calls.Select(c => c.Stream));

        static (int, int, int) Usage(JsonNode answer)
        {
            var usage = answer["usageMetadata"]!;
            return (usage["promptTokenCount"]!.GetValue<int>(), usage["candidatesTokenCount"]!.GetValue<int>(), usage["totalTokenCount"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task AnthropicFake_MessagesCreate_ReturnsGreetingWithUsageAndRecordsHeaders()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.Anthropic);

        var message = await Claude(fake).Messages.Create(Params("Say hello to me"));

        Assert.True(message.Content.Single().TryPickText(out var text));
        Assert.Equal("Hello from the fake Anthropic provider.", text!.Text);
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.Equal((4L + 2, 6L), (message.Usage.InputTokens, message.Usage.OutputTokens));
        var call = Assert.Single(fake.Calls);
        // SDK 13.x sends its API key as a bearer token, not x-api-key: the gateway will see both forms from clients.
        Assert.Equal(("POST", "/v1/messages", "Bearer anthropic-key"), (call.Method, call.Path, call.Headers["authorization"]));
        Assert.False(string.IsNullOrEmpty(call.Headers["anthropic-version"]));
    }

    [Fact]
    public async Task AnthropicFake_CreateStreaming_StreamsTextDeltasAndUsage()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.Anthropic);
        fake.Enqueue(new FakeReply { Text = "one two three", OutputTokens = 9 });

        var deltas = new List<string>();
        var (input, output) = (0L, 0L);
        StopReason? stop = null;
        await foreach (var e in Claude(fake).Messages.CreateStreaming(Params("Count to three")))
        {
            if (e.TryPickStart(out var start)) { input = start.Message.Usage.InputTokens; }
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var piece)) { deltas.Add(piece.Text); }
            if (e.TryPickDelta(out var end)) { (output, stop) = (end.Usage.OutputTokens, end.Delta.StopReason!.Value()); }
        }

        Assert.Equal(["one", " two", " three"], deltas);
        Assert.Equal((3 + 2, 9L, StopReason.EndTurn), (input, output, stop));
        Assert.True(Assert.Single(fake.Calls).Stream);
    }

    [Fact]
    public async Task AnthropicFake_ToolCall_StreamsInputJsonDeltas()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.Anthropic);
        fake.Enqueue(new FakeReply { ToolCall = new FakeToolCall("get_weather", """{"city":"Paris"}""") });

        var json = new StringBuilder();
        string? tool = null;
        await foreach (var e in Claude(fake).Messages.CreateStreaming(Params("Weather?")))
        {
            if (e.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var use)) { tool = use.Name; }
            if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var part)) { json.Append(part.PartialJson); }
        }

        Assert.Equal(("get_weather", """{"city":"Paris"}"""), (tool, json.ToString()));
    }

    [Fact]
    public async Task AnthropicFake_Status429_SurfacesAsTheSdksRateLimitException()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.Anthropic);
        fake.Enqueue(new FakeReply { Status = 429, RetryAfter = TimeSpan.FromSeconds(4) });

        var error = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => Claude(fake).Messages.Create(Params("hi")));

        Assert.Equal(429, (int)error.StatusCode);
        var body = JsonNode.Parse(error.ResponseBody)!;
        Assert.Equal(("error", "rate_limit_error"), (body["type"]!.GetValue<string>(), body["error"]!["type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task StandIn_StreamedChatThroughTheOpenAiSdk_ReportsO200kTokenCounts()
    {
        Assert.True(File.Exists(Repo.EchoDll), $"{Repo.EchoDll} is missing: build src/Konnect.Echo ({Repo.Configuration}) first, as `make test` does");
        var port = Repo.FreePort();
        var output = new StringBuilder();
        var echo = Repo.StartDotnet(Repo.EchoDll, output, "--urls", $"http://127.0.0.1:{port}", "--standin-delay-ms", "0");
        try
        {
            await Repo.EventuallyAsync(async () => (await Http.GetAsync($"http://127.0.0.1:{port}/v1/models")).IsSuccessStatusCode, $"konnect-echo on {port}\n{output}");
            var client = new ChatClient("konnect-standin", new ApiKeyCredential("unused"),
                new OpenAIClientOptions { Endpoint = new Uri($"http://127.0.0.1:{port}/v1"), RetryPolicy = new ClientRetryPolicy(0) });
            (string Role, string Text)[] prompt = [("system", "You are a terse assistant."), ("user", "What does an API gateway do, in one line?")];

            var text = new StringBuilder();
            var chunks = 0;
            ChatTokenUsage? usage = null;
            await foreach (var update in client.CompleteChatStreamingAsync([new SystemChatMessage(prompt[0].Text), new UserChatMessage(prompt[1].Text)]))
            {
                foreach (var part in update.ContentUpdate) { text.Append(part.Text); chunks++; }
                usage ??= update.Usage;
            }

            var o200k = TiktokenTokenizer.CreateForModel("gpt-4o");
            // OpenAI's count for gpt-4o: 3 per message plus its role and content, plus 3 that prime the reply.
            var expectedPrompt = 3 + prompt.Sum(m => 3 + o200k.CountTokens(m.Role) + o200k.CountTokens(m.Text));
            Assert.StartsWith("You said 9 words. The first was ‘What’ and the last was ‘line?’.", text.ToString(), StringComparison.Ordinal);
            Assert.True(chunks > 5, $"one word per event, got {chunks}");
            Assert.Equal((expectedPrompt, o200k.CountTokens(text.ToString())), (usage!.InputTokenCount, usage.OutputTokenCount));
            Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
        }
        finally
        {
            Repo.Stop(echo);
        }
    }

    /// <summary>The text an update adds, without the empty content OpenAI's first (role) chunk carries.</summary>
    private static IEnumerable<string> Texts(StreamingChatCompletionUpdate update) => update.ContentUpdate.Select(p => p.Text).Where(t => t.Length > 0);

    private static OpenAIClientOptions Options(FakeAiProvider fake) =>
        new() { Endpoint = new Uri(fake.BaseUrl), RetryPolicy = new ClientRetryPolicy(maxRetries: 0) };

    private static ChatClient Chat(FakeAiProvider fake, string key = "test-key") => new("gpt-4o", new ApiKeyCredential(key), Options(fake));

    private static AnthropicClient Claude(FakeAiProvider fake) => new() { BaseUrl = fake.BaseUrl, ApiKey = "anthropic-key", MaxRetries = 0 };

    private static MessageCreateParams Params(string text) => new() { Model = "claude-sonnet-4-5", MaxTokens = 256, Messages = [new UserMessageParam(text)] };

    private static async Task<HttpResponseMessage> PostAsync(string url, string json, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers) { request.Headers.Add(name, value); }
        return await Http.SendAsync(request);
    }

    /// <summary>The data of each SSE event in an "\n\n"-framed stream.</summary>
    private static async Task<string[]> SseDataAsync(HttpResponseMessage response)
    {
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..])];
    }
}
