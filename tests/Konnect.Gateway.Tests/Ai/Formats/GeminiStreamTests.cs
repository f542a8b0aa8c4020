using System.Text.Json.Nodes;
using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class GeminiStreamTests
{
    /// <summary>The chunks of one call, with "created" checked (one value for the whole stream) and left out.</summary>
    private static JsonArray Emitted(List<JsonObject> chunks, ref long? created)
    {
        var result = new JsonArray();
        foreach (var chunk in chunks)
        {
            var stamp = chunk["created"]!.GetValue<long>();
            created ??= stamp;
            Assert.Equal(created, stamp);
            var copy = chunk.DeepClone().AsObject();
            copy.Remove("created");
            result.Add(copy);
        }
        chunks.Clear();
        return result;
    }

    private static string Chunk(string model, string delta, string? finish = null, int index = 0) =>
        $$"""{"id":"chatcmpl-resp-1","object":"chat.completion.chunk","model":"{{model}}","choices":[{"index":{{index}},"delta":{{delta}},"logprobs":null,"finish_reason":{{(finish is null ? "null" : $"\"{finish}\"")}}}]}""";

    [Fact]
    public void OnEvent_TextStreamWithUsageLast_GivesEachChunkAsItsEventArrives()
    {
        const string model = "gemini-2.5-flash";
        var stream = new GeminiStreamToChat(model, includeUsage: true);
        var chunks = new List<JsonObject>();
        long? created = null;

        stream.OnEvent(GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[{"text":"The capital"}],"role":"model"},"index":0}],
             "usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
            """), chunks);
        GeminiAssert.Json($"[{Chunk(model, """{"role":"assistant"}""")},{Chunk(model, """{"content":"The capital"}""")}]", Emitted(chunks, ref created));
        Assert.Equal(new TokenUsage(9, 0), stream.Usage);

        stream.OnEvent(GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[{"text":" of Italy is"},{"text":" Rome"}],"role":"model"},"index":0}],
             "usageMetadata":{"promptTokenCount":9,"totalTokenCount":9},"modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
            """), chunks);
        GeminiAssert.Json($"[{Chunk(model, """{"content":" of Italy is"}""")},{Chunk(model, """{"content":" Rome"}""")}]", Emitted(chunks, ref created));

        stream.OnEvent(GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[{"text":"."}],"role":"model"},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":7,"thoughtsTokenCount":21,"totalTokenCount":37},
             "modelVersion":"gemini-2.5-flash","responseId":"resp-1"}
            """), chunks);
        GeminiAssert.Json($"[{Chunk(model, """{"content":"."}""")},{Chunk(model, "{}", "stop")}]", Emitted(chunks, ref created));
        Assert.Equal(new TokenUsage(9, 28), stream.Usage);

        stream.Complete(chunks);
        GeminiAssert.Json("""
            [{"id":"chatcmpl-resp-1","object":"chat.completion.chunk","model":"gemini-2.5-flash","choices":[],
              "usage":{"prompt_tokens":9,"completion_tokens":28,"total_tokens":37,"completion_tokens_details":{"reasoning_tokens":21}}}]
            """, Emitted(chunks, ref created));

        stream.Complete(chunks);
        Assert.Empty(chunks);
    }

    [Fact]
    public void OnEvent_FunctionCalls_GiveWholeToolCallDeltasAndToolCallsFinish()
    {
        const string model = "gemini-3-pro-preview";
        var stream = new GeminiStreamToChat("gemini-3-pro", includeUsage: false);
        var chunks = new List<JsonObject>();
        long? created = null;

        stream.OnEvent(GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[
                {"text":"Looking both up."},
                {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"U2ln"}],"role":"model"},"index":0}],
             "modelVersion":"gemini-3-pro-preview","responseId":"resp-1"}
            """), chunks);
        stream.OnEvent(GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[{"functionCall":{"name":"get_weather","args":{"city":"Rome"}}},{"text":""}],"role":"model"},
              "finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":50,"candidatesTokenCount":30,"totalTokenCount":80},
             "modelVersion":"gemini-3-pro-preview","responseId":"resp-1"}
            """), chunks);
        stream.Complete(chunks);

        GeminiAssert.Json($$"""
            [{{Chunk(model, """{"role":"assistant"}""")}},
             {{Chunk(model, """{"content":"Looking both up."}""")}},
             {{Chunk(model, """{"tool_calls":[{"index":0,"id":"call_resp-1_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"},"extra_content":{"google":{"thought_signature":"U2ln"}}}]}""")}},
             {{Chunk(model, """{"tool_calls":[{"index":1,"id":"call_resp-1_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]}""")}},
             {{Chunk(model, "{}", "tool_calls")}}]
            """, Emitted(chunks, ref created));
        Assert.Equal(new TokenUsage(50, 30), stream.Usage);
    }

    [Fact]
    public void Complete_StreamCutBeforeFinish_AddsFinishThenUsage()
    {
        var stream = new GeminiStreamToChat("gemini-2.5-flash", includeUsage: true);
        var chunks = new List<JsonObject>();
        long? created = null;
        stream.OnEvent(GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[{"text":"Hel"}]},"index":0}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4},"responseId":"resp-1"}
            """), chunks);
        chunks.Clear();

        stream.Complete(chunks);

        GeminiAssert.Json("[" + Chunk("gemini-2.5-flash", "{}", "stop") + """
            ,{"id":"chatcmpl-resp-1","object":"chat.completion.chunk","model":"gemini-2.5-flash","choices":[],
              "usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}]
            """, Emitted(chunks, ref created));
    }

    [Fact]
    public void Complete_NoEvents_GivesAWellFormedEmptyStream()
    {
        var stream = new GeminiStreamToChat("gemini-2.5-flash", includeUsage: true);
        var chunks = new List<JsonObject>();

        stream.Complete(chunks);

        Assert.Equal(3, chunks.Count);
        Assert.Equal("assistant", chunks[0]["choices"]![0]!["delta"]!["role"]!.GetValue<string>());
        Assert.Equal("stop", chunks[1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        GeminiAssert.Json("""{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}""", chunks[2]["usage"]);
        Assert.Single(chunks.Select(c => c["id"]!.GetValue<string>()).Distinct());
        Assert.Null(stream.Usage);
    }

    [Fact]
    public void OnEvent_PromptBlocked_GivesContentFilterFinish()
    {
        var stream = new GeminiStreamToChat("gemini-2.5-flash", includeUsage: false);
        var chunks = new List<JsonObject>();
        long? created = null;

        stream.OnEvent(GeminiAssert.Parse("""
            {"promptFeedback":{"blockReason":"PROHIBITED_CONTENT"},"usageMetadata":{"promptTokenCount":6,"totalTokenCount":6},"responseId":"resp-1"}
            """), chunks);
        stream.Complete(chunks);

        GeminiAssert.Json($$"""
            [{{Chunk("gemini-2.5-flash", """{"role":"assistant"}""")}},{{Chunk("gemini-2.5-flash", "{}", "content_filter")}}]
            """, Emitted(chunks, ref created));
        Assert.Equal(new TokenUsage(6, 0), stream.Usage);
    }

    [Fact]
    public void OnEvent_SafetyStopMidStream_GivesContentFilterAndIgnoresLaterParts()
    {
        var stream = new GeminiStreamToChat("m", includeUsage: false);
        var chunks = new List<JsonObject>();
        long? created = null;

        stream.OnEvent(GeminiAssert.Parse("""{"candidates":[{"content":{"parts":[{"text":"Sure"}]},"index":0}],"responseId":"resp-1"}"""), chunks);
        stream.OnEvent(GeminiAssert.Parse("""{"candidates":[{"finishReason":"SAFETY","index":0}],"responseId":"resp-1"}"""), chunks);
        stream.OnEvent(GeminiAssert.Parse("""{"candidates":[{"content":{"parts":[{"text":"late"}]},"index":0}],"responseId":"resp-1"}"""), chunks);
        stream.Complete(chunks);

        GeminiAssert.Json($$"""
            [{{Chunk("m", """{"role":"assistant"}""")}},{{Chunk("m", """{"content":"Sure"}""")}},{{Chunk("m", "{}", "content_filter")}}]
            """, Emitted(chunks, ref created));
    }
}
