using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Formats;

/// <summary>Structural JSON assertions shared by the Gemini format tests: property order does not matter, values do.</summary>
internal static class GeminiAssert
{
    public static void Json(string expected, JsonNode? actual)
    {
        var wanted = JsonNode.Parse(expected);
        Assert.True(JsonNode.DeepEquals(wanted, actual), $"expected:\n{wanted?.ToJsonString()}\nactual:\n{actual?.ToJsonString()}");
    }

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}

public sealed class GeminiRequestTests
{
    [Fact]
    public void FromChatRequest_SystemAndConversation_GivesSystemInstructionAndAlternatingTurns()
    {
        var request = GeminiAssert.Parse("""
            {"model":"gemini-2.5-flash","messages":[
              {"role":"system","content":"You are terse."},
              {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
              {"role":"user","content":"Hi"},
              {"role":"assistant","content":"Bonjour"},
              {"role":"user","content":"Capital of Italy?"},
              {"role":"user","content":[{"type":"text","text":"One word."}]}
            ]}
            """);

        var body = GeminiContents.FromChatRequest(request, 1024);

        GeminiAssert.Json("""
            {
              "contents":[
                {"role":"user","parts":[{"text":"Hi"}]},
                {"role":"model","parts":[{"text":"Bonjour"}]},
                {"role":"user","parts":[{"text":"Capital of Italy?"},{"text":"One word."}]}
              ],
              "systemInstruction":{"parts":[{"text":"You are terse."},{"text":"Answer in French."}]},
              "generationConfig":{"maxOutputTokens":1024}
            }
            """, body);
    }

    [Fact]
    public void FromChatRequest_ToolsWithOpenAiSchema_GivesFunctionDeclarationsGeminiAccepts()
    {
        var request = GeminiAssert.Parse("""
            {"messages":[{"role":"user","content":"Weather in Paris?"}],
             "tools":[
               {"type":"function","function":{"name":"get_weather","description":"Current weather","strict":true,
                 "parameters":{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
                   "properties":{
                     "city":{"type":"string","description":"City name"},
                     "unit":{"type":["string","null"],"enum":["c","f"]},
                     "contact":{"type":"string","format":"email"},
                     "when":{"type":"string","format":"date-time"},
                     "place":{"$ref":"#/$defs/Place"}
                   },
                   "required":["city"],
                   "$defs":{"Place":{"type":"object","additionalProperties":false,"properties":{"lat":{"type":"number"}}}}}}},
               {"type":"function","function":{"name":"now","parameters":{"type":"object","properties":{}}}}
             ]}
            """);

        var body = GeminiContents.FromChatRequest(request, 0);

        GeminiAssert.Json("""
            [{"functionDeclarations":[
              {"name":"get_weather","description":"Current weather","parameters":{
                "type":"object",
                "properties":{
                  "city":{"type":"string","description":"City name"},
                  "unit":{"nullable":true,"type":"string","enum":["c","f"]},
                  "contact":{"type":"string"},
                  "when":{"type":"string","format":"date-time"},
                  "place":{"type":"object","properties":{"lat":{"type":"number"}}}
                },
                "required":["city"]}},
              {"name":"now"}
            ]}]
            """, body["tools"]);
        Assert.Null(body["generationConfig"]);
    }

    [Theory]
    [InlineData("\"auto\"", """{"functionCallingConfig":{"mode":"AUTO"}}""")]
    [InlineData("\"none\"", """{"functionCallingConfig":{"mode":"NONE"}}""")]
    [InlineData("\"required\"", """{"functionCallingConfig":{"mode":"ANY"}}""")]
    [InlineData("""{"type":"function","function":{"name":"get_weather"}}""", """{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["get_weather"]}}""")]
    public void FromChatRequest_ToolChoice_GivesFunctionCallingConfig(string choice, string expected)
    {
        var request = GeminiAssert.Parse("""
            {"messages":[{"role":"user","content":"x"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":CHOICE}
            """.Replace("CHOICE", choice, StringComparison.Ordinal));

        GeminiAssert.Json(expected, GeminiContents.FromChatRequest(request, 0)["toolConfig"]);
    }

    [Fact]
    public void FromChatRequest_ToolCallsAndResults_GivesFunctionCallsAndNamedFunctionResponses()
    {
        var request = GeminiAssert.Parse("""
            {"messages":[
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"city\":\"Rome\"}"}}]},
              {"role":"tool","tool_call_id":"call_b","content":"14:05"},
              {"role":"tool","tool_call_id":"call_a","content":"{\"temp\":21,\"sky\":\"clear\"}"},
              {"role":"assistant","content":"Checking more.","tool_calls":[
                {"id":"call_c","type":"function","function":{"name":"get_weather","arguments":"{}"},
                 "extra_content":{"google":{"thought_signature":"c2lnbmVk"}}}]},
              {"role":"tool","tool_call_id":"call_c","content":[{"type":"text","text":"rain"}]},
              {"role":"user","content":"Thanks"}
            ]}
            """);

        var body = GeminiContents.FromChatRequest(request, 0);

        GeminiAssert.Json("""
            [
              {"role":"user","parts":[{"text":"Weather in Paris and Rome?"}]},
              {"role":"model","parts":[
                {"functionCall":{"name":"get_weather","args":{"city":"Paris"}},"thoughtSignature":"skip_thought_signature_validator"},
                {"functionCall":{"name":"get_time","args":{"city":"Rome"}}}]},
              {"role":"user","parts":[
                {"functionResponse":{"name":"get_time","response":{"content":"14:05"}}},
                {"functionResponse":{"name":"get_weather","response":{"temp":21,"sky":"clear"}}}]},
              {"role":"model","parts":[
                {"text":"Checking more."},
                {"functionCall":{"name":"get_weather","args":{}},"thoughtSignature":"c2lnbmVk"}]},
              {"role":"user","parts":[
                {"functionResponse":{"name":"get_weather","response":{"content":"rain"}}},
                {"text":"Thanks"}]}
            ]
            """, body["contents"]);
    }

    [Fact]
    public void FromChatRequest_ImagesAudioAndFiles_GiveInlineDataAndFileData()
    {
        var request = GeminiAssert.Parse("""
            {"messages":[{"role":"user","content":[
              {"type":"text","text":"Compare these"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
              {"type":"image_url","image_url":{"url":"https://example.com/photos/cat.webp?size=large"}},
              {"type":"image_url","image_url":{"url":"https://example.com/render"}},
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
              {"type":"file","file":{"filename":"report.pdf","file_data":"data:application/pdf;base64,JVBERi0="}},
              {"type":"image_url","image_url":"http://example.com/a.GIF"}
            ]}]}
            """);

        var body = GeminiContents.FromChatRequest(request, 0);

        GeminiAssert.Json("""
            [{"role":"user","parts":[
              {"text":"Compare these"},
              {"inlineData":{"mimeType":"image/png","data":"iVBORw0KGgo="}},
              {"fileData":{"mimeType":"image/webp","fileUri":"https://example.com/photos/cat.webp?size=large"}},
              {"fileData":{"mimeType":"image/jpeg","fileUri":"https://example.com/render"}},
              {"inlineData":{"mimeType":"audio/wav","data":"UklGRg=="}},
              {"inlineData":{"mimeType":"application/pdf","data":"JVBERi0="}},
              {"fileData":{"mimeType":"image/gif","fileUri":"http://example.com/a.GIF"}}
            ]}]
            """, body["contents"]);
    }

    [Fact]
    public void FromChatRequest_GenerationParameters_GiveGenerationConfig()
    {
        var request = GeminiAssert.Parse("""
            {"messages":[{"role":"user","content":"List three colours as JSON"}],
             "max_tokens":100,"max_completion_tokens":300,"temperature":0.2,"top_p":0.9,"n":2,"seed":7,
             "stop":["\n\n","END"],"presence_penalty":0,"frequency_penalty":0.5,
             "response_format":{"type":"json_schema","json_schema":{"name":"colours","strict":true,
               "schema":{"type":"object","additionalProperties":false,"properties":{"colours":{"type":"array","items":{"type":"string"}}},"required":["colours"]}}}}
            """);

        var body = GeminiContents.FromChatRequest(request, 4096);

        GeminiAssert.Json("""
            {"maxOutputTokens":300,"temperature":0.2,"topP":0.9,"candidateCount":2,"seed":7,
             "stopSequences":["\n\n","END"],"frequencyPenalty":0.5,
             "responseMimeType":"application/json",
             "responseSchema":{"type":"object","properties":{"colours":{"type":"array","items":{"type":"string"}}},"required":["colours"]}}
            """, body["generationConfig"]);
    }

    [Fact]
    public void FromChatRequest_MaxTokensAndStopString_GiveLimitAndOneStopSequence()
    {
        var request = GeminiAssert.Parse("""
            {"messages":[{"role":"user","content":"x"}],"max_tokens":50,"stop":"###","response_format":{"type":"json_object"}}
            """);

        GeminiAssert.Json("""{"maxOutputTokens":50,"stopSequences":["###"],"responseMimeType":"application/json"}""",
            GeminiContents.FromChatRequest(request, 4096)["generationConfig"]);
    }

    [Theory]
    [InlineData("""{"messages":"hi"}""", "messages")]
    [InlineData("""{"messages":[{"role":"critic","content":"x"}]}""", "messages[0].role")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://host/cat.png"}}]}]}""", "messages[0].content[0].image_url.url")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,rawbytes"}}]}]}""", "messages[0].content[0].image_url.url")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"file","file":{"file_id":"file-abc"}}]}]}""", "messages[0].content[0].file.file_data")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"video","video":{}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":"UklGRg=="}]}]}""", "messages[0].content[0].input_audio.data")]
    [InlineData("""{"messages":[{"role":"system","content":[{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"messages":[{"role":"tool","tool_call_id":"call_unknown","content":"x"}]}""", "messages[0].tool_call_id")]
    [InlineData("""{"messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}""", "messages[0].tool_calls[0].function.arguments")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"custom","custom":{"name":"grammar"}}]}""", "tools[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"allowed_tools"}}""", "tool_choice")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}}""", "response_format.type")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"max_tokens":1.5}""", "max_tokens")]
    [InlineData("""{"messages":[{"role":"user","content":"x"}],"stop":[1]}""", "stop[0]")]
    public void FromChatRequest_Untranslatable_ThrowsFormatExceptionNamingTheField(string json, string field)
    {
        var ex = Assert.Throws<FormatException>(() => GeminiContents.FromChatRequest(GeminiAssert.Parse(json), 100));

        Assert.StartsWith(field + " ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gemini-2.5-flash", false, "models/gemini-2.5-flash:generateContent")]
    [InlineData("gemini-2.5-flash", true, "models/gemini-2.5-flash:streamGenerateContent?alt=sse")]
    [InlineData("models/gemini-2.0-flash-001", false, "models/gemini-2.0-flash-001:generateContent")]
    [InlineData("tunedModels/my-model-7", true, "tunedModels/my-model-7:streamGenerateContent?alt=sse")]
    [InlineData("odd name/../x", false, "models/odd%20name%2F..%2Fx:generateContent")]
    public void Path_Model_GivesEscapedMethodPath(string model, bool stream, string expected)
    {
        Assert.Equal(expected, GeminiContents.Path(model, stream));
    }

    [Fact]
    public void Path_EmptyModel_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => GeminiContents.Path(" ", stream: false));
    }
}
