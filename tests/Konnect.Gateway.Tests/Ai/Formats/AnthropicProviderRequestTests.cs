using Konnect.Gateway.Ai.Formats;
using static Konnect.Gateway.Tests.Ai.Formats.AnthropicTestJson;

namespace Konnect.Gateway.Tests.Ai.Formats;

/// <summary>OpenAI chat requests to the body Konnect sends Anthropic (<see cref="AnthropicMessages.FromChatRequest"/>).</summary>
public sealed class AnthropicProviderRequestTests
{
    [Fact]
    public void FromChatRequest_FullRequest_MapsEveryField()
    {
        var chat = Obj("""
            {
              "model": "gpt-4o",
              "messages": [
                {"role":"system","content":"You are terse."},
                {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
                {"role":"user","content":[
                  {"type":"text","text":"What is in these pictures?"},
                  {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ","detail":"high"}},
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]},
                {"role":"assistant","content":null,"tool_calls":[
                  {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                  {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lyon\"}"}}]},
                {"role":"tool","tool_call_id":"call_1","content":"18C"},
                {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]},
                {"role":"user","content":"Which is warmer?"}
              ],
              "max_completion_tokens": 512, "max_tokens": 100, "temperature": 0.2, "top_p": 1, "stop": "END", "n": 1,
              "stream": true, "stream_options": {"include_usage": true}, "user": "user-7",
              "frequency_penalty": 0.5, "logprobs": true, "seed": 3, "response_format": {"type":"text"},
              "tools": [{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
              "tool_choice": "required", "parallel_tool_calls": false
            }
            """);

        var body = AnthropicMessages.FromChatRequest(chat, "claude-sonnet-4-5", 4096);

        Equal("""
            {
              "model": "claude-sonnet-4-5", "max_tokens": 512,
              "system": "You are terse.\n\nAnswer in French.",
              "messages": [
                {"role":"user","content":[
                  {"type":"text","text":"What is in these pictures?"},
                  {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
                  {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]},
                {"role":"assistant","content":[
                  {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                  {"type":"tool_use","id":"call_2","name":"get_weather","input":{"city":"Lyon"}}]},
                {"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"call_1","content":"18C"},
                  {"type":"tool_result","tool_use_id":"call_2","content":[{"type":"text","text":"21C"}]},
                  {"type":"text","text":"Which is warmer?"}]}
              ],
              "temperature": 0.2, "top_p": 1, "stop_sequences": ["END"], "stream": true,
              "metadata": {"user_id":"user-7"},
              "tools": [{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
              "tool_choice": {"type":"any","disable_parallel_tool_use":true}
            }
            """, body);
    }

    [Theory]
    [InlineData("""{"max_tokens":300}""", 300)]
    [InlineData("""{"max_completion_tokens":200,"max_tokens":300}""", 200)]
    [InlineData("""{}""", 4096)]
    public void FromChatRequest_TokenLimit_TakesRequestLimitOrDefault(string limits, int expected)
    {
        var chat = Obj(limits);
        chat["messages"] = Obj("""{"m":[{"role":"user","content":"Hi"}]}""")["m"]!.DeepClone();

        var body = AnthropicMessages.FromChatRequest(chat, "claude", 4096);

        Equal(expected.ToString(System.Globalization.CultureInfo.InvariantCulture), body["max_tokens"]);
        Equal("""[{"role":"user","content":"Hi"}]""", body["messages"]);
    }

    [Fact]
    public void FromChatRequest_NAboveOne_Throws()
    {
        var chat = Obj("""{"n":2,"messages":[{"role":"user","content":"Hi"}]}""");

        var error = Assert.Throws<FormatException>(() => AnthropicMessages.FromChatRequest(chat, "claude", 1024));
        Assert.StartsWith("n:", error.Message);
    }

    [Theory]
    [InlineData("{\\\"city\\\":", "is not valid JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    public void FromChatRequest_BadToolArguments_ThrowsNamingField(string arguments, string reason)
    {
        var chat = Obj($$$$"""
            {"messages":[{"role":"user","content":"Hi"},
              {"role":"assistant","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{{{{arguments}}}}"}}]}]}
            """);

        var error = Assert.Throws<FormatException>(() => AnthropicMessages.FromChatRequest(chat, "claude", 1024));
        Assert.Contains("messages[1].tool_calls[0].function.arguments", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void FromChatRequest_EmptyToolArguments_GiveEmptyInput()
    {
        var chat = Obj("""
            {"messages":[{"role":"user","content":"Hi"},
              {"role":"assistant","content":"Looking.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"now","arguments":""}}]}]}
            """);

        var body = AnthropicMessages.FromChatRequest(chat, "claude", 1024);

        Equal("""
            [{"type":"text","text":"Looking."},{"type":"tool_use","id":"call_1","name":"now","input":{}}]
            """, body["messages"]![1]!["content"]);
    }

    [Theory]
    [InlineData("\"auto\"", """{"type":"auto"}""")]
    [InlineData("\"none\"", """{"type":"none"}""")]
    [InlineData("""{"type":"function","function":{"name":"f"}}""", """{"type":"tool","name":"f"}""")]
    public void FromChatRequest_ToolChoice_MapsToAnthropicChoice(string toolChoice, string expected)
    {
        var chat = Obj($$$$"""
            {"messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{{{{toolChoice}}}}}
            """);

        var body = AnthropicMessages.FromChatRequest(chat, "claude", 1024);

        Equal(expected, body["tool_choice"]);
        Equal("""[{"name":"f","input_schema":{"type":"object","properties":{}}}]""", body["tools"]);
    }

    [Fact]
    public void FromChatRequest_ParallelToolCallsFalseWithoutChoice_DisablesParallelUseOnAuto()
    {
        var chat = Obj("""
            {"messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"parallel_tool_calls":false}
            """);

        var body = AnthropicMessages.FromChatRequest(chat, "claude", 1024);

        Equal("""{"type":"auto","disable_parallel_tool_use":true}""", body["tool_choice"]);
    }

    [Theory]
    [InlineData("ftp://example.com/a.png")]
    [InlineData("data:image/png,notbase64")]
    public void FromChatRequest_UnusableImageUrl_ThrowsNamingField(string url)
    {
        var chat = Obj($$$$"""
            {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"{{{{url}}}}"}}]}]}
            """);

        var error = Assert.Throws<FormatException>(() => AnthropicMessages.FromChatRequest(chat, "claude", 1024));
        Assert.Contains("messages[0].content[0].image_url.url", error.Message);
    }

    [Fact]
    public void FromChatRequest_AudioPart_ThrowsNamingPart()
    {
        var chat = Obj("""
            {"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}}]}]}
            """);

        var error = Assert.Throws<FormatException>(() => AnthropicMessages.FromChatRequest(chat, "claude", 1024));
        Assert.Contains("messages[0].content[0]", error.Message);
    }

    [Fact]
    public void FromChatRequest_FileData_BecomesDocument()
    {
        var chat = Obj("""
            {"messages":[{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,JVBERi0="}}]}]}
            """);

        var body = AnthropicMessages.FromChatRequest(chat, "claude", 1024);

        Equal("""
            [{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0="},"title":"a.pdf"}]
            """, body["messages"]![0]!["content"]);
    }
}
