using System.ClientModel.Primitives;
using System.Text.Json;
using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Formats;
using OpenAI.Chat;
using static Konnect.Gateway.Tests.Ai.Formats.AnthropicTestJson;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class AnthropicResponseTests
{
    private const string ToolUseMessage = """
        {"id":"msg_01ABC","type":"message","role":"assistant","model":"claude-sonnet-4-5",
         "content":[
           {"type":"thinking","thinking":"hmm","signature":"s"},
           {"type":"text","text":"Let me check "},
           {"type":"text","text":"the weather."},
           {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris"}}],
         "stop_reason":"tool_use","stop_sequence":null,
         "usage":{"input_tokens":100,"cache_creation_input_tokens":20,"cache_read_input_tokens":30,"output_tokens":45}}
        """;

    private const string ToolCallsCompletion = """
        {"id":"chatcmpl-abc123","object":"chat.completion","created":1741569952,"model":"gpt-4.1-2025-04-14",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Checking.","refusal":null,
           "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
           "logprobs":null,"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99,
           "prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
        """;

    [Fact]
    public void ToChatResponse_TextAndToolUse_GivesCompletionWithToolCallsAndAllInputTokens()
    {
        var completion = AnthropicMessages.ToChatResponse(Obj(ToolUseMessage), Clock);

        Equal("""
            {"id":"chatcmpl-msg_01ABC","object":"chat.completion","created":1750000000,"model":"claude-sonnet-4-5",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Let me check the weather.","refusal":null,
               "tool_calls":[{"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
               "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":150,"completion_tokens":45,"total_tokens":195,"prompt_tokens_details":{"cached_tokens":30}}}
            """, completion);
    }

    [Fact]
    public void ToChatResponse_Output_ReadsInOpenAiSdk()
    {
        var json = AnthropicMessages.ToChatResponse(Obj(ToolUseMessage), Clock).ToJsonString();

        var completion = ModelReaderWriter.Read<ChatCompletion>(BinaryData.FromString(json))!;

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        Assert.Equal("Let me check the weather.", Assert.Single(completion.Content).Text);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.Equal("Paris", JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString());
        Assert.Equal(150, completion.Usage.InputTokenCount);
        Assert.Equal(30, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    public void ToChatResponse_StopReason_MapsToFinishReason(string stopReason, string finishReason)
    {
        var completion = AnthropicMessages.ToChatResponse(Obj($$$$"""
            {"id":"msg_1","type":"message","role":"assistant","model":"c","content":[{"type":"text","text":"x"}],"stop_reason":"{{{{stopReason}}}}","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}
            """));

        Assert.Equal(finishReason, (string?)completion["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public void ToChatResponse_NoText_GivesNullContent()
    {
        var completion = AnthropicMessages.ToChatResponse(Obj("""
            {"id":"msg_1","type":"message","role":"assistant","model":"c","content":[],"stop_reason":"end_turn","usage":{"input_tokens":3,"output_tokens":0}}
            """), Clock);

        Equal("""{"role":"assistant","content":null,"refusal":null}""", completion["choices"]![0]!["message"]);
        Equal("""{"prompt_tokens":3,"completion_tokens":0,"total_tokens":3}""", completion["usage"]);
    }

    [Fact]
    public void Usage_CachedInput_CountsEveryInputToken()
    {
        Assert.Equal(new TokenUsage(150, 45), AnthropicMessages.Usage(Obj(ToolUseMessage)));
    }

    [Fact]
    public void Usage_NoUsage_IsNull()
    {
        Assert.Null(AnthropicMessages.Usage(Obj("""{"id":"msg_1","type":"message","content":[]}""")));
    }

    [Fact]
    public void FromChatResponse_ToolCalls_GivesMessageWithToolUseAndCacheSplit()
    {
        var message = AnthropicMessages.FromChatResponse(Obj(ToolCallsCompletion));

        Equal("""
            {"id":"msg_abc123","type":"message","role":"assistant","model":"gpt-4.1-2025-04-14",
             "content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"},"caller":{"type":"direct"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":18,"output_tokens":17,"cache_read_input_tokens":64}}
            """, message);
    }

    [Fact]
    public void FromChatResponse_Output_ValidatesInAnthropicSdk()
    {
        var json = AnthropicMessages.FromChatResponse(Obj(ToolCallsCompletion)).ToJsonString();

        var message = Anthropic.Models.Messages.Message.FromRawUnchecked(JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!);
        message.Validate();

        Assert.Equal("msg_abc123", message.ID);
        Assert.Equal(2, message.Content.Count);
        Assert.Equal(17, message.Usage.OutputTokens);
    }

    [Theory]
    [InlineData("stop", "end_turn")]
    [InlineData("length", "max_tokens")]
    [InlineData("tool_calls", "tool_use")]
    [InlineData("content_filter", "refusal")]
    public void FromChatResponse_FinishReason_MapsToStopReason(string finishReason, string stopReason)
    {
        var message = AnthropicMessages.FromChatResponse(Obj($$$$"""
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"g","choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"{{{{finishReason}}}}"}]}
            """));

        Assert.Equal(stopReason, (string?)message["stop_reason"]);
        Equal("""[{"type":"text","text":"x"}]""", message["content"]);
        Equal("""{"input_tokens":0,"output_tokens":0}""", message["usage"]);
    }

    [Fact]
    public void FromChatResponse_InvalidToolArguments_ThrowsNamingField()
    {
        var completion = Obj(ToolCallsCompletion);
        completion["choices"]![0]!["message"]!["tool_calls"]![0]!["function"]!["arguments"] = "{not json";

        var error = Assert.Throws<FormatException>(() => AnthropicMessages.FromChatResponse(completion));
        Assert.Contains("choices[0].message.tool_calls[0].function.arguments", error.Message);
    }

    [Fact]
    public void RoundTrip_AnthropicMessageThroughChat_GivesBackTheMessage()
    {
        const string original = """
            {"id":"msg_01XYZ","type":"message","role":"assistant","model":"claude-opus-4-1",
             "content":[{"type":"text","text":"Two calls."},
               {"type":"tool_use","id":"toolu_1","name":"a","input":{"x":1},"caller":{"type":"direct"}},
               {"type":"tool_use","id":"toolu_2","name":"b","input":{"y":[true,null]},"caller":{"type":"direct"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":12,"output_tokens":34,"cache_read_input_tokens":5}}
            """;

        var back = AnthropicMessages.FromChatResponse(AnthropicMessages.ToChatResponse(Obj(original)));

        Equal(original, back);
    }
}
