using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json.Nodes;
using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Formats;
using OpenAI.Chat;
using static Konnect.Gateway.Tests.Ai.Formats.AnthropicTestJson;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class AnthropicStreamToChatTests
{
    private const string Id = "chatcmpl-msg_014p7gG3wDgGV9EUtLvnow3U";

    /// <summary>
    /// The tool use stream of Anthropic's streaming guide: text, a ping, then a tool_use block whose input arrives in
    /// fragments (the first one empty), then message_delta and message_stop. Each event with the chunks it must give.
    /// </summary>
    private static readonly (string Event, string Data, string[] Chunks)[] ToolUseStream =
    [
        ("message_start",
            """{"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-6","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":2},"content":[],"stop_reason":null}}""",
            [$$$$"""{"id":"{{{{Id}}}}","object":"chat.completion.chunk","created":1750000000,"model":"claude-opus-4-6","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"""]),
        ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""", []),
        ("ping", """{"type": "ping"}""", []),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}""",
            [Chunk("""{"content":"Okay"}""")]),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":", let's check the weather for San Francisco, CA:"}}""",
            [Chunk("""{"content":", let's check the weather for San Francisco, CA:"}""")]),
        ("content_block_stop", """{"type":"content_block_stop","index":0}""", []),
        ("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}""",
            [Chunk("""{"tool_calls":[{"index":0,"id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","type":"function","function":{"name":"get_weather","arguments":""}}]}""")]),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}""", []),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}""",
            [Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\": \"San Fra"}}]}""")]),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ncisco, CA\", \"unit\": \"fahrenheit\"}"}}""",
            [Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"ncisco, CA\", \"unit\": \"fahrenheit\"}"}}]}""")]),
        ("content_block_stop", """{"type":"content_block_stop","index":1}""", []),
        ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}""",
            [Chunk("{}", "\"tool_calls\"")]),
        ("message_stop", """{"type":"message_stop"}""",
            [$$$$"""{"id":"{{{{Id}}}}","object":"chat.completion.chunk","created":1750000000,"model":"claude-opus-4-6","choices":[],"usage":{"prompt_tokens":472,"completion_tokens":89,"total_tokens":561}}"""]),
    ];

    private static string Chunk(string delta, string finishReason = "null") =>
        $$$$"""{"id":"{{{{Id}}}}","object":"chat.completion.chunk","created":1750000000,"model":"claude-opus-4-6","choices":[{"index":0,"delta":{{{{delta}}}},"logprobs":null,"finish_reason":{{{{finishReason}}}}}],"usage":null}""";

    [Fact]
    public void OnEvent_DocumentedToolUseStream_GivesExactChunksAsEachEventArrives()
    {
        var stream = new AnthropicStreamToChat(includeUsage: true, Clock);

        for (var i = 0; i < ToolUseStream.Length; i++)
        {
            var (eventType, data, expected) = ToolUseStream[i];
            var chunks = new List<JsonObject>();
            stream.OnEvent(eventType, Obj(data), chunks);

            Equal($"[{string.Join(',', expected)}]", new JsonArray([.. chunks]));
            Assert.Equal(eventType == "message_stop", stream.Completed);
        }
        Assert.Equal(new TokenUsage(472, 89), stream.Usage);
    }

    [Fact]
    public void OnEvent_DocumentedToolUseStream_ReadsInOpenAiSdk()
    {
        var stream = new AnthropicStreamToChat(includeUsage: true, Clock);
        var chunks = new List<JsonObject>();
        foreach (var (eventType, data, _) in ToolUseStream)
            stream.OnEvent(eventType, Obj(data), chunks);

        var text = new StringBuilder();
        var arguments = new StringBuilder();
        string? toolName = null;
        ChatFinishReason? finishReason = null;
        ChatTokenUsage? usage = null;
        foreach (var chunk in chunks)
        {
            var update = ModelReaderWriter.Read<StreamingChatCompletionUpdate>(BinaryData.FromString(chunk.ToJsonString()))!;
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            foreach (var call in update.ToolCallUpdates)
            {
                toolName ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }
            finishReason ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("Okay, let's check the weather for San Francisco, CA:", text.ToString());
        Assert.Equal("get_weather", toolName);
        Assert.Equal("""{"location": "San Francisco, CA", "unit": "fahrenheit"}""", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finishReason);
        Assert.Equal(561, usage?.TotalTokenCount);
    }

    [Fact]
    public void OnEvent_WithoutUsage_GivesNoUsageFieldAndNoUsageChunk()
    {
        var stream = new AnthropicStreamToChat(includeUsage: false, Clock);
        var chunks = new List<JsonObject>();

        stream.OnEvent("message_start", Obj("""{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}"""), chunks);
        stream.OnEvent("content_block_start", Obj("""{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""), chunks);
        stream.OnEvent("content_block_delta", Obj("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello!"}}"""), chunks);
        stream.OnEvent("content_block_stop", Obj("""{"type":"content_block_stop","index":0}"""), chunks);
        stream.OnEvent("message_delta", Obj("""{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"""), chunks);
        stream.OnEvent("message_stop", Obj("""{"type":"message_stop"}"""), chunks);

        Equal("""
            [
              {"id":"chatcmpl-msg_1","object":"chat.completion.chunk","created":1750000000,"model":"claude-haiku","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]},
              {"id":"chatcmpl-msg_1","object":"chat.completion.chunk","created":1750000000,"model":"claude-haiku","choices":[{"index":0,"delta":{"content":"Hello!"},"logprobs":null,"finish_reason":null}]},
              {"id":"chatcmpl-msg_1","object":"chat.completion.chunk","created":1750000000,"model":"claude-haiku","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}
            ]
            """, new JsonArray([.. chunks]));
        Assert.True(stream.Completed);
        Assert.Equal(new TokenUsage(25, 15), stream.Usage);
    }

    [Fact]
    public void OnEvent_ThinkingBlock_GivesNoChunks()
    {
        var stream = new AnthropicStreamToChat(includeUsage: false, Clock);
        var chunks = new List<JsonObject>();

        stream.OnEvent("content_block_start", Obj("""{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"""), chunks);
        stream.OnEvent("content_block_delta", Obj("""{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me work this out."}}"""), chunks);
        stream.OnEvent("content_block_delta", Obj("""{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}"""), chunks);
        stream.OnEvent("content_block_stop", Obj("""{"type":"content_block_stop","index":0}"""), chunks);
        stream.OnEvent("some_future_event", Obj("""{"type":"some_future_event"}"""), chunks);

        Assert.Empty(chunks);
        Assert.Null(stream.Usage);
        Assert.False(stream.Completed);
    }

    [Fact]
    public void OnEvent_MessageDeltaWithCacheAndInput_LatestCountsWin()
    {
        var stream = new AnthropicStreamToChat(includeUsage: false, Clock);
        var chunks = new List<JsonObject>();

        stream.OnEvent("message_start", Obj("""{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":1}}}"""), chunks);
        Assert.Equal(new TokenUsage(100, 1), stream.Usage);
        stream.OnEvent("message_delta", Obj("""{"type":"message_delta","delta":{"stop_reason":null},"usage":{"output_tokens":7}}"""), chunks);
        Assert.Equal(new TokenUsage(100, 7), stream.Usage);
        stream.OnEvent("message_delta", Obj("""{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":12,"cache_read_input_tokens":90,"output_tokens":20}}"""), chunks);

        Assert.Equal(new TokenUsage(102, 20), stream.Usage);
        Assert.Equal("length", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
        Assert.Equal(2, chunks.Count);
    }

    [Fact]
    public void OnEvent_EmptyEventType_UsesDataType()
    {
        var stream = new AnthropicStreamToChat(includeUsage: false, Clock);
        var chunks = new List<JsonObject>();

        stream.OnEvent("", Obj("""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}"""), chunks);

        Equal("""{"content":"hi"}""", Assert.Single(chunks)["choices"]![0]!["delta"]);
    }

    [Fact]
    public void OnEvent_ErrorEvent_ThrowsProviderStreamException()
    {
        var stream = new AnthropicStreamToChat(includeUsage: true, Clock);
        var chunks = new List<JsonObject>();
        stream.OnEvent("message_start", Obj("""{"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":5,"output_tokens":1}}}"""), chunks);

        var error = Assert.Throws<ProviderStreamException>(() =>
            stream.OnEvent("error", Obj("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""), chunks));

        Assert.Equal("Overloaded", error.Message);
        Assert.Equal("overloaded_error", error.ErrorType);
        Assert.Single(chunks);
        Assert.False(stream.Completed);
    }
}
