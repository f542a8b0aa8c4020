using System.Text.Json.Nodes;
using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class GeminiResponseTests
{
    [Fact]
    public void ToChatResponse_TextWithThoughts_GivesCompletionWithoutThoughtsAndFullUsage()
    {
        var response = GeminiAssert.Parse("""
            {"candidates":[{"content":{"role":"model","parts":[
                {"text":"Let me think about Rome...","thought":true},
                {"text":"The capital "},{"text":"is Rome."}]},
              "finishReason":"STOP","index":0,"safetyRatings":[]}],
             "usageMetadata":{"promptTokenCount":12,"candidatesTokenCount":5,"thoughtsTokenCount":30,"cachedContentTokenCount":4,"totalTokenCount":47},
             "modelVersion":"gemini-2.5-flash-001","responseId":"abc123"}
            """);

        var completion = GeminiContents.ToChatResponse(response, "gemini-2.5-flash");

        Assert.True(completion["created"]!.GetValue<long>() > 1_700_000_000);
        completion.Remove("created");
        GeminiAssert.Json("""
            {"id":"chatcmpl-abc123","object":"chat.completion","model":"gemini-2.5-flash-001",
             "choices":[{"index":0,"message":{"role":"assistant","content":"The capital is Rome."},"logprobs":null,"finish_reason":"stop"}],
             "usage":{"prompt_tokens":12,"completion_tokens":35,"total_tokens":47,
               "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":30}}}
            """, completion);
    }

    [Fact]
    public void ToChatResponse_FunctionCalls_GivesToolCallsWithJsonArgumentsAndSignature()
    {
        var response = GeminiAssert.Parse("""
            {"candidates":[{"content":{"role":"model","parts":[
                {"functionCall":{"name":"get_weather","args":{"city":"Zürich","days":2}},"thoughtSignature":"Q2lJQj=="},
                {"functionCall":{"name":"get_time","args":{}}}]},
              "finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":40,"candidatesTokenCount":12,"totalTokenCount":52},
             "responseId":"r9"}
            """);

        var completion = GeminiContents.ToChatResponse(response, "gemini-2.5-pro");

        GeminiAssert.Json("""
            {"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
              {"id":"call_r9_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Zürich\",\"days\":2}"},
               "extra_content":{"google":{"thought_signature":"Q2lJQj=="}}},
              {"id":"call_r9_1","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
             "logprobs":null,"finish_reason":"tool_calls"}
            """, completion["choices"]![0]);
        Assert.Equal("gemini-2.5-pro", completion["model"]!.GetValue<string>());
        GeminiAssert.Json("""{"prompt_tokens":40,"completion_tokens":12,"total_tokens":52}""", completion["usage"]);
    }

    [Fact]
    public void ToChatResponse_FunctionCallWithGeminiId_KeepsThatId()
    {
        var response = GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[{"functionCall":{"id":"fc-77","name":"f","args":{"a":1}}}]},"finishReason":"STOP"}]}
            """);

        var call = GeminiContents.ToChatResponse(response, "m")["choices"]![0]!["message"]!["tool_calls"]![0]!;

        Assert.Equal("fc-77", call["id"]!.GetValue<string>());
    }

    [Fact]
    public void ToChatResponse_ToolCallSentBack_ReturnsTheSignatureToGemini()
    {
        var response = GeminiAssert.Parse("""
            {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"c2ln"}]},"finishReason":"STOP"}],"responseId":"x"}
            """);
        var message = GeminiContents.ToChatResponse(response, "m")["choices"]![0]!["message"]!.DeepClone();
        var next = new JsonObject
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "go" },
                message,
                new JsonObject { ["role"] = "tool", ["tool_call_id"] = "call_x_0", ["content"] = "done" }),
        };

        GeminiAssert.Json("""
            [{"role":"user","parts":[{"text":"go"}]},
             {"role":"model","parts":[{"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"c2ln"}]},
             {"role":"user","parts":[{"functionResponse":{"name":"f","response":{"content":"done"}}}]}]
            """, GeminiContents.FromChatRequest(next, 0)["contents"]);
    }

    [Theory]
    [InlineData("STOP", "stop")]
    [InlineData("MAX_TOKENS", "length")]
    [InlineData("SAFETY", "content_filter")]
    [InlineData("RECITATION", "content_filter")]
    [InlineData("BLOCKLIST", "content_filter")]
    [InlineData("PROHIBITED_CONTENT", "content_filter")]
    [InlineData("SPII", "content_filter")]
    [InlineData("OTHER", "stop")]
    [InlineData("MALFORMED_FUNCTION_CALL", "stop")]
    public void ToChatResponse_FinishReason_MapsToOpenAi(string gemini, string openAi)
    {
        var response = GeminiAssert.Parse($$"""
            {"candidates":[{"content":{"role":"model","parts":[{"text":"partial"}]},"finishReason":"{{gemini}}","index":0}]}
            """);

        var choice = GeminiContents.ToChatResponse(response, "m")["choices"]![0]!;

        Assert.Equal(openAi, choice["finish_reason"]!.GetValue<string>());
    }

    [Fact]
    public void ToChatResponse_PromptBlocked_GivesEmptyContentFilteredChoice()
    {
        var response = GeminiAssert.Parse("""
            {"promptFeedback":{"blockReason":"SAFETY","safetyRatings":[]},"usageMetadata":{"promptTokenCount":8,"totalTokenCount":8}}
            """);

        var completion = GeminiContents.ToChatResponse(response, "gemini-2.5-flash");

        GeminiAssert.Json("""[{"index":0,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"content_filter"}]""", completion["choices"]);
        GeminiAssert.Json("""{"prompt_tokens":8,"completion_tokens":0,"total_tokens":8}""", completion["usage"]);
        Assert.StartsWith("chatcmpl-", completion["id"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void ToChatResponse_SeveralCandidates_GivesOneChoiceEach()
    {
        var response = GeminiAssert.Parse("""
            {"candidates":[
              {"content":{"parts":[{"text":"Red"}]},"finishReason":"STOP","index":0},
              {"content":{"parts":[{"text":"Blue and"}]},"finishReason":"MAX_TOKENS","index":1}]}
            """);

        var completion = GeminiContents.ToChatResponse(response, "m");

        GeminiAssert.Json("""
            [{"index":0,"message":{"role":"assistant","content":"Red"},"logprobs":null,"finish_reason":"stop"},
             {"index":1,"message":{"role":"assistant","content":"Blue and"},"logprobs":null,"finish_reason":"length"}]
            """, completion["choices"]);
        Assert.Null(completion["usage"]);
    }

    [Fact]
    public void Usage_UsageMetadata_CountsThoughtsAsOutput()
    {
        var response = GeminiAssert.Parse("""
            {"usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":20,"thoughtsTokenCount":80,"totalTokenCount":200}}
            """);

        Assert.Equal(new TokenUsage(100, 100), GeminiContents.Usage(response));
    }

    [Fact]
    public void Usage_NoUsageMetadata_IsNull()
    {
        Assert.Null(GeminiContents.Usage(GeminiAssert.Parse("""{"candidates":[]}""")));
    }

    [Theory]
    [InlineData("""{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}""", "API key not valid. Please pass a valid API key.")]
    [InlineData("""[{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}]""", "Resource has been exhausted (e.g. check quota).")]
    [InlineData("""{"error":{"code":503,"status":"UNAVAILABLE"}}""", "UNAVAILABLE")]
    [InlineData("""{"candidates":[]}""", null)]
    [InlineData("""{"error":"plain"}""", null)]
    [InlineData("\"text\"", null)]
    public void ErrorMessage_Body_GivesGeminiMessage(string json, string? expected)
    {
        Assert.Equal(expected, GeminiContents.ErrorMessage(JsonNode.Parse(json)));
    }

    [Fact]
    public void ErrorMessage_NoBody_IsNull()
    {
        Assert.Null(GeminiContents.ErrorMessage(null));
    }
}
