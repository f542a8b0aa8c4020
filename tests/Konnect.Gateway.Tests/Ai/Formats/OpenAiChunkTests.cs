using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Formats;

/// <summary>
/// The one-pass reading of a passed-through chunk must find what the tree-based reading of the hub format finds
/// (<see cref="OpenAiChat"/>), on the chunks OpenAI and OpenAI-compatible servers send.
/// </summary>
public sealed class OpenAiChunkTests
{
    public static TheoryData<string> Chunks() =>
    [
        """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}""",
        """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}""",
        """{"id":"c1","choices":[{"index":0,"delta":{"content":"line\nbreak \"quoted\" \u00e9t\u00e9 \ud83d\ude00"}}],"model":"m"}""",
        """{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}""",
        """{"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":\"Par"}}]}}]}""",
        """{"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        """{"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":2037,"completion_tokens":33,"total_tokens":2070,"prompt_tokens_details":{"cached_tokens":0}}}""",
        """{"id":"c1","choices":[{"index":0,"delta":{"content":"last"}}],"usage":{"prompt_tokens":5,"completion_tokens":2}}""",
        """{"choices":[{"index":0,"delta":{"content":"a"}},{"index":1,"delta":{"content":"b"}}],"extra":{"nested":[1,{"content":"not a delta"}]}}""",
        """{"choices":[{"index":0,"delta":{"reasoning_content":"thinking","content":null}}]}""",
    ];

    [Theory]
    [MemberData(nameof(Chunks))]
    public void TryRead_SameFiguresAsTheTreeReading(string json)
    {
        var tree = (JsonObject)JsonNode.Parse(json)!;
        var expectedText = new StringBuilder();
        OpenAiChat.AppendText(tree, expectedText);
        var text = new StringBuilder();

        Assert.True(OpenAiChunk.TryRead(Encoding.UTF8.GetBytes(json), wantModel: true, text, out var chunk));

        Assert.Equal(OpenAiChat.HasContent(tree), chunk.HasContent);
        Assert.Equal(OpenAiChat.IsUsageOnly(tree), chunk.UsageOnly);
        Assert.Equal(OpenAiChat.Usage(tree), chunk.Usage);
        Assert.Equal((string?)tree["model"], chunk.Model);
        Assert.Equal(expectedText.ToString(), text.ToString());
        Assert.Null(chunk.Error);
    }

    [Fact]
    public void TryRead_ErrorInsideTheStream_ItsMessage()
    {
        Assert.True(OpenAiChunk.TryRead("""{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}"""u8, true, new StringBuilder(), out var chunk));
        Assert.Equal("The server had an error", chunk.Error);
    }

    [Fact]
    public void TryRead_ModelNotWanted_NotRead()
    {
        Assert.True(OpenAiChunk.TryRead("""{"model":"gpt-4o","choices":[]}"""u8, wantModel: false, new StringBuilder(), out var chunk));
        Assert.Null(chunk.Model);
    }

    [Theory]
    [InlineData("""[1,2]""")]
    [InlineData("\"text\"")]
    public void TryRead_NotAnObject_False(string json) =>
        Assert.False(OpenAiChunk.TryRead(Encoding.UTF8.GetBytes(json), true, new StringBuilder(), out _));

    [Theory]
    [InlineData("""{"choices":[{"delta":{"content":"a"}}]""")]
    [InlineData("""{"choices":[]} trailing""")]
    [InlineData("""not json""")]
    public void TryRead_InvalidJson_JsonException(string json) =>
        Assert.ThrowsAny<JsonException>(() => OpenAiChunk.TryRead(Encoding.UTF8.GetBytes(json), true, new StringBuilder(), out _));
}
