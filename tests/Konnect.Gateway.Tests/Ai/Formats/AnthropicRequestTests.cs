using Konnect.Gateway.Ai.Formats;
using static Konnect.Gateway.Tests.Ai.Formats.AnthropicTestJson;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class AnthropicRequestTests
{
    [Fact]
    public void ToChatRequest_FullRequest_MapsEveryField()
    {
        var request = Obj("""
            {
              "model": "claude-sonnet-4-5", "max_tokens": 1024,
              "system": [{"type":"text","text":"You are terse."},{"type":"text","text":"Answer in French.","cache_control":{"type":"ephemeral"}}],
              "messages": [
                {"role":"user","content":[
                  {"type":"text","text":"What is in these pictures?"},
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                  {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]},
                {"role":"assistant","content":[
                  {"type":"thinking","thinking":"Let me look.","signature":"sig"},
                  {"type":"text","text":"Checking the weather."},
                  {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris"}},
                  {"type":"tool_use","id":"toolu_02","name":"get_weather","input":{"city":"Lyon"}}]},
                {"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"toolu_01","content":"18C"},
                  {"type":"tool_result","tool_use_id":"toolu_02","content":[{"type":"text","text":"21C"}]},
                  {"type":"text","text":"Which is warmer?"}]}
              ],
              "temperature": 0.5, "top_p": 0.9, "top_k": 40, "stop_sequences": ["END"], "stream": true,
              "metadata": {"user_id":"user-7"},
              "tools": [{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}],
              "tool_choice": {"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
              "thinking": {"type":"enabled","budget_tokens":2000}
            }
            """);

        var chat = AnthropicMessages.ToChatRequest(request);

        Equal("""
            {
              "model": "claude-sonnet-4-5",
              "messages": [
                {"role":"system","content":"You are terse.\n\nAnswer in French."},
                {"role":"user","content":[
                  {"type":"text","text":"What is in these pictures?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]},
                {"role":"assistant","content":"Checking the weather.","tool_calls":[
                  {"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                  {"id":"toolu_02","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Lyon\"}"}}]},
                {"role":"tool","tool_call_id":"toolu_01","content":"18C"},
                {"role":"tool","tool_call_id":"toolu_02","content":[{"type":"text","text":"21C"}]},
                {"role":"user","content":[{"type":"text","text":"Which is warmer?"}]}
              ],
              "max_completion_tokens": 1024, "temperature": 0.5, "top_p": 0.9, "stop": ["END"],
              "stream": true, "stream_options": {"include_usage": true},
              "user": "user-7",
              "tools": [{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
              "tool_choice": {"type":"function","function":{"name":"get_weather"}},
              "parallel_tool_calls": false
            }
            """, chat);
    }

    [Fact]
    public void ToChatRequest_StringSystemAndContent_StayStrings()
    {
        var chat = AnthropicMessages.ToChatRequest(Obj("""
            {"model":"m","max_tokens":10,"system":"Be kind.","messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}]}
            """));

        Equal("""
            {"model":"m","messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"max_completion_tokens":10}
            """, chat);
    }

    [Fact]
    public void ToChatRequest_ToolResultWithImage_MovesImageToUserMessageAfterToolMessage()
    {
        var chat = AnthropicMessages.ToChatRequest(Obj("""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"tool_result","tool_use_id":"toolu_1","is_error":false,"content":[
                {"type":"text","text":"screenshot taken"},
                {"type":"image","source":{"type":"base64","media_type":"image/webp","data":"UklGRg=="}}]}]}]}
            """));

        Equal("""
            [
              {"role":"tool","tool_call_id":"toolu_1","content":[{"type":"text","text":"screenshot taken"}]},
              {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGRg=="}}]}
            ]
            """, chat["messages"]);
    }

    [Theory]
    [InlineData("""{"type":"auto"}""", "\"auto\"")]
    [InlineData("""{"type":"any"}""", "\"required\"")]
    [InlineData("""{"type":"none"}""", "\"none\"")]
    public void ToChatRequest_ToolChoice_MapsToOpenAiChoice(string toolChoice, string expected)
    {
        var chat = AnthropicMessages.ToChatRequest(Obj($$$$"""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"Hi"}],
             "tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{{{{toolChoice}}}}}
            """));

        Equal(expected, chat["tool_choice"]);
        Assert.False(chat.ContainsKey("parallel_tool_calls"));
    }

    [Fact]
    public void ToChatRequest_ServerTool_ThrowsNamingTool()
    {
        var request = Obj("""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"Hi"}],
             "tools":[{"type":"web_search_20250305","name":"web_search"}]}
            """);

        var error = Assert.Throws<FormatException>(() => AnthropicMessages.ToChatRequest(request));
        Assert.Contains("tools[0]", error.Message);
        Assert.Contains("web_search_20250305", error.Message);
    }

    [Fact]
    public void ToChatRequest_UnsupportedBlock_ThrowsNamingBlock()
    {
        var request = Obj("""
            {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"search_result","source":"x"}]}]}
            """);

        var error = Assert.Throws<FormatException>(() => AnthropicMessages.ToChatRequest(request));
        Assert.Contains("messages[0].content[1]", error.Message);
    }

    [Fact]
    public void ToChatRequest_MessagesMissing_Throws()
    {
        var error = Assert.Throws<FormatException>(() => AnthropicMessages.ToChatRequest(Obj("""{"model":"m","max_tokens":10}""")));
        Assert.Contains("messages", error.Message);
    }

    [Fact]
    public void RoundTrip_AnthropicRequestThroughChat_GivesBackTheRequest()
    {
        const string original = """
            {
              "model": "claude-sonnet-4-5", "max_tokens": 700,
              "system": "You are terse.",
              "messages": [
                {"role":"user","content":[
                  {"type":"text","text":"Look:"},
                  {"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lGOD=="}}]},
                {"role":"assistant","content":[
                  {"type":"text","text":"Calling."},
                  {"type":"tool_use","id":"toolu_9","name":"lookup","input":{"q":"gif","limit":3}}]},
                {"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"toolu_9","content":"a cat"},
                  {"type":"text","text":"And?"}]},
                {"role":"assistant","content":"A cat."}
              ],
              "temperature": 0.7, "top_p": 0.5, "stop_sequences": ["X","Y"], "stream": true,
              "metadata": {"user_id":"u1"},
              "tools": [{"name":"lookup","description":"Looks up","input_schema":{"type":"object","properties":{"q":{"type":"string"},"limit":{"type":"integer"}}}}],
              "tool_choice": {"type":"any","disable_parallel_tool_use":true}
            }
            """;

        var back = AnthropicMessages.FromChatRequest(AnthropicMessages.ToChatRequest(Obj(original)), "claude-sonnet-4-5", 1);

        Equal(original, back);
    }

    [Fact]
    public void RoundTrip_ChatRequestThroughAnthropic_GivesBackTheRequest()
    {
        const string original = """
            {
              "model": "claude-haiku",
              "messages": [
                {"role":"system","content":"Be brief."},
                {"role":"user","content":[{"type":"text","text":"Weather?"},{"type":"image_url","image_url":{"url":"https://example.com/sky.png"}}]},
                {"role":"assistant","content":null,"tool_calls":[
                  {"id":"call_a","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Oslo\"}"}},
                  {"id":"call_b","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Rome\"}"}}]},
                {"role":"tool","tool_call_id":"call_a","content":"-3C"},
                {"role":"tool","tool_call_id":"call_b","content":"19C"},
                {"role":"user","content":[{"type":"text","text":"Thanks"}]},
                {"role":"assistant","content":"You are welcome."}
              ],
              "max_completion_tokens": 64, "temperature": 1, "top_p": 0.8, "stop": ["STOP"],
              "stream": true, "stream_options": {"include_usage": true}, "user": "u2",
              "tools": [{"type":"function","function":{"name":"weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
              "tool_choice": {"type":"function","function":{"name":"weather"}},
              "parallel_tool_calls": false
            }
            """;

        var back = AnthropicMessages.ToChatRequest(AnthropicMessages.FromChatRequest(Obj(original), "claude-haiku", 1));

        Equal(original, back);
    }
}
