using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Formats;
using static Konnect.Gateway.Tests.Ai.Formats.AnthropicTestJson;

namespace Konnect.Gateway.Tests.Ai.Formats;

/// <summary>OpenAI chunks to the Anthropic stream a /v1/messages client reads (<see cref="ChatStreamToAnthropic"/>).</summary>
public sealed class AnthropicFrontStreamTests
{
    private static string Chunk(string delta, string finishReason = "null") =>
        $$$$"""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{{{{delta}}}},"logprobs":null,"finish_reason":{{{{finishReason}}}}}]}""";

    /// <summary>An OpenAI stream of text then two parallel tool calls, then the usage chunk; each chunk with the events it must give.</summary>
    private static readonly (string Chunk, string Events)[] TextAndToolsStream =
    [
        (Chunk("""{"role":"assistant","content":""}"""), """
            [["message_start",{"type":"message_start","message":{"id":"msg_123","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}]]
            """),
        (Chunk("""{"content":"Let me "}"""), """
            [["content_block_start",{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}],
             ["content_block_delta",{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}]]
            """),
        (Chunk("""{"content":"look."}"""), """
            [["content_block_delta",{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"look."}}]]
            """),
        (Chunk("""{"tool_calls":[{"index":0,"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":""}}]}"""), """
            [["content_block_stop",{"type":"content_block_stop","index":0}],
             ["content_block_start",{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_abc","name":"get_weather","input":{},"caller":{"type":"direct"}}}]]
            """),
        (Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}"""), """
            [["content_block_delta",{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}]]
            """),
        (Chunk("""{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"""), """
            [["content_block_delta",{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Paris\"}"}}]]
            """),
        (Chunk("""{"tool_calls":[{"index":1,"id":"call_def","type":"function","function":{"name":"get_time","arguments":"{}"}}]}"""), """
            [["content_block_stop",{"type":"content_block_stop","index":1}],
             ["content_block_start",{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_def","name":"get_time","input":{},"caller":{"type":"direct"}}}],
             ["content_block_delta",{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}]]
            """),
        (Chunk("{}", "\"tool_calls\""), "[]"),
        ("""{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":57,"completion_tokens":33,"total_tokens":90}}""", "[]"),
    ];

    private static JsonArray Json(List<(string Event, JsonObject Data)> events) =>
        new([.. events.Select(e => (JsonNode)new JsonArray(e.Event, e.Data.DeepClone()))]);

    [Fact]
    public void OnChunk_TextThenToolCalls_GivesExactEventsAsEachChunkArrives()
    {
        var stream = new ChatStreamToAnthropic("claude-sonnet-4-5");

        foreach (var (chunk, expected) in TextAndToolsStream)
        {
            var events = new List<(string Event, JsonObject Data)>();
            stream.OnChunk(Obj(chunk), events);
            Equal(expected, Json(events));
        }

        var end = new List<(string Event, JsonObject Data)>();
        stream.Complete(null, end);
        Equal("""
            [["content_block_stop",{"type":"content_block_stop","index":2}],
             ["message_delta",{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":57,"output_tokens":33}}],
             ["message_stop",{"type":"message_stop"}]]
            """, Json(end));
    }

    [Fact]
    public async Task OnChunk_TextThenToolCalls_AggregatesInAnthropicSdk()
    {
        var stream = new ChatStreamToAnthropic("claude-sonnet-4-5");
        var events = new List<(string Event, JsonObject Data)>();
        foreach (var (chunk, _) in TextAndToolsStream)
            stream.OnChunk(Obj(chunk), events);
        stream.Complete(null, events);

        var message = await Parse(events).Aggregate();

        Assert.Equal("msg_123", message.ID);
        Assert.Equal(3, message.Content.Count);
        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Let me look.", text.Text);
        Assert.True(message.Content[1].TryPickToolUse(out var weather));
        Assert.Equal("call_abc", weather.ID);
        Assert.Equal("Paris", weather.Input["city"].GetString());
        Assert.True(message.Content[2].TryPickToolUse(out var time));
        Assert.Empty(time.Input);
        Assert.Equal(StopReason.ToolUse, message.StopReason?.Value());
        Assert.Equal(33, message.Usage.OutputTokens);
    }

    private static async IAsyncEnumerable<RawMessageStreamEvent> Parse(List<(string Event, JsonObject Data)> events)
    {
        await Task.Yield();
        foreach (var (_, data) in events)
        {
            var parsed = JsonSerializer.Deserialize<RawMessageStreamEvent>(data.ToJsonString())!;
            parsed.Validate();
            yield return parsed;
        }
    }

    [Fact]
    public void Complete_NoChunks_GivesWholeEmptyMessage()
    {
        var stream = new ChatStreamToAnthropic("claude-haiku");
        var events = new List<(string Event, JsonObject Data)>();

        stream.Complete(new TokenUsage(9, 0), events);

        Assert.Equal(["message_start", "message_delta", "message_stop"], events.Select(e => e.Event));
        Assert.StartsWith("msg_", (string?)events[0].Data["message"]!["id"]);
        Equal("""{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":9,"output_tokens":0}}""", events[1].Data);
    }

    [Fact]
    public void Complete_GivenUsage_WinsOverChunkUsage()
    {
        var stream = new ChatStreamToAnthropic("claude-haiku");
        var events = new List<(string Event, JsonObject Data)>();
        stream.OnChunk(Obj(Chunk("""{"content":"Hi"}""", "\"length\"")), events);
        stream.OnChunk(Obj("""{"id":"chatcmpl-123","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"""), events);
        events.Clear();

        stream.Complete(new TokenUsage(40, 50, Estimated: true), events);

        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], events.Select(e => e.Event));
        Equal("""{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":40,"output_tokens":50}}""", events[1].Data);
    }

    [Fact]
    public void Complete_Twice_AddsNothingTheSecondTime()
    {
        var stream = new ChatStreamToAnthropic("claude-haiku");
        var events = new List<(string Event, JsonObject Data)>();
        stream.Complete(null, events);
        var count = events.Count;

        stream.Complete(null, events);
        stream.OnChunk(Obj(Chunk("""{"content":"late"}""")), events);

        Assert.Equal(count, events.Count);
    }

    [Fact]
    public void OnChunk_CallsSharingIndexWithNewIds_OpenSeparateBlocks()
    {
        var stream = new ChatStreamToAnthropic("claude-haiku");
        var events = new List<(string Event, JsonObject Data)>();

        stream.OnChunk(Obj(Chunk("""{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]}""")), events);
        stream.OnChunk(Obj(Chunk("""{"tool_calls":[{"index":0,"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]}""")), events);

        Assert.Equal(
            ["message_start", "content_block_start", "content_block_delta", "content_block_stop", "content_block_start", "content_block_delta"],
            events.Select(e => e.Event));
        Assert.Equal("g", (string?)events[4].Data["content_block"]!["name"]);
        Assert.Equal(1, (int)events[5].Data["index"]!);
    }

    [Fact]
    public void Pipeline_AnthropicStreamThroughChatAndBack_KeepsTextToolsAndStop()
    {
        var provider = new AnthropicStreamToChat(includeUsage: true);
        var front = new ChatStreamToAnthropic("claude-opus-4-6");
        var events = new List<(string Event, JsonObject Data)>();
        (string Event, string Data)[] source =
        [
            ("message_start", """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-opus-4-6","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":1}}}"""),
            ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            ("ping", """{"type":"ping"}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Sure."}}"""),
            ("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            ("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}"""),
            ("content_block_stop", """{"type":"content_block_stop","index":1}"""),
            ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":12}}"""),
            ("message_stop", """{"type":"message_stop"}"""),
        ];

        foreach (var (eventType, data) in source)
        {
            var chunks = new List<JsonObject>();
            provider.OnEvent(eventType, Obj(data), chunks);
            foreach (var chunk in chunks)
                front.OnChunk(chunk, events);
        }
        front.Complete(provider.Usage, events);

        Assert.Equal(source.Select(s => s.Event).Where(e => e != "ping"), events.Select(e => e.Event));
        Assert.Equal("msg_1", (string?)events[0].Data["message"]!["id"]);
        Equal("""{"type":"tool_use","id":"toolu_1","name":"f","input":{},"caller":{"type":"direct"}}""", events[4].Data["content_block"]);
        Equal("""{"type":"input_json_delta","partial_json":"{\"a\":1}"}""", events[5].Data["delta"]);
        Equal("""{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":30,"output_tokens":12}}""", events[7].Data);
    }
}
