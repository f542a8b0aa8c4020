using System.Text;
using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Tokens;
using Microsoft.ML.Tokenizers;

namespace Konnect.Gateway.Tests.Ai.Tokens;

public sealed class PromptTokensTests
{
    /// <summary>The example of OpenAI's cookbook "How to count tokens with tiktoken" (num_tokens_from_messages).</summary>
    private const string CookbookMessages = """
        {"model": "gpt-4", "messages": [
          {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
          {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
          {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
          {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
          {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
          {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}
        ]}
        """;

    [Theory]
    [InlineData("gpt-4o", "o200k")]
    [InlineData("gpt-4o-mini-2024-07-18", "o200k")]
    [InlineData("chatgpt-4o-latest", "o200k")]
    [InlineData("gpt-4.1-nano", "o200k")]
    [InlineData("gpt-5", "o200k")]
    [InlineData("gpt-5.1-mini", "o200k")]
    [InlineData("o1", "o200k")]
    [InlineData("o3-mini", "o200k")]
    [InlineData("o4-mini", "o200k")]
    [InlineData("openai/gpt-4o", "o200k")]
    [InlineData("ft:gpt-4o-mini:acme::abc123", "o200k")]
    [InlineData("GPT-4O", "o200k")]
    [InlineData("gpt-4", "cl100k")]
    [InlineData("gpt-4-turbo", "cl100k")]
    [InlineData("gpt-3.5-turbo", "cl100k")]
    [InlineData("gpt-50", "cl100k")]
    [InlineData("o100b", "cl100k")]
    [InlineData("claude-sonnet-4-5", "cl100k")]
    [InlineData("gemini-2.5-flash", "cl100k")]
    [InlineData("llama-3.1-8b-instruct", "cl100k")]
    [InlineData("", "cl100k")]
    public void For_Model_PicksItsEncoding(string model, string encoding)
    {
        var expected = encoding == "o200k" ? PromptTokens.For("gpt-4o") : PromptTokens.For("gpt-4");

        Assert.Same(expected, PromptTokens.For(model));
        Assert.NotSame(PromptTokens.For("gpt-4o"), PromptTokens.For("gpt-4"));
    }

    [Fact]
    public void For_ManyThreadsAtOnce_OneTokenizerEach()
    {
        var seen = new Tokenizer[32];
        Parallel.For(0, seen.Length, i => seen[i] = PromptTokens.For(i % 2 == 0 ? "gpt-4o" : "claude-3-haiku"));

        Assert.Equal(2, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("hello world", "gpt-4o", 2)]
    [InlineData("hello world", "gpt-4", 2)]
    [InlineData("tiktoken is great!", "gpt-4", 6)]
    [InlineData("", "gpt-4o", 0)]
    public void CountText_KnownStrings_TheirTokenCount(string text, string model, int tokens)
    {
        Assert.Equal(tokens, PromptTokens.CountText(text, model));
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("claude-sonnet-4-5")]
    public void CountText_AnyText_EqualsTheTokenizersCount(string model)
    {
        const string text = "Konnect admits a call only if its reservation fits: ünïcödé, emoji 🚀, code `x => x * 2`, 中文也可以.";

        Assert.Equal(PromptTokens.For(model).EncodeToIds(text).Count, PromptTokens.CountText(text, model));
    }

    [Theory]
    [InlineData("gpt-4", 129)]
    [InlineData("gpt-4o", 124)]
    public void CountChat_CookbookExample_MatchesOpenAIsCount(string model, int tokens)
    {
        Assert.Equal(tokens, PromptTokens.CountChat(JsonNode.Parse(CookbookMessages)!.AsObject(), model));
    }

    [Fact]
    public void CountChat_Parts_CountsTextPartsAndAFloorPerImage()
    {
        var request = JsonNode.Parse("""
            {"messages": [{"role": "user", "content": [
              {"type": "text", "text": "What is in this image?"},
              {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
              {"type": "text", "text": "Answer briefly."}
            ]}]}
            """)!.AsObject();

        var expected = PromptTokens.ReplyPriming + PromptTokens.PerMessage + Count("user") + Count("What is in this image?")
            + PromptTokens.ImagePart + Count("Answer briefly.");
        Assert.Equal(expected, PromptTokens.CountChat(request, "gpt-4o"));
    }

    [Fact]
    public void CountChat_ToolsAndToolCalls_CountsDefinitionsAndArguments()
    {
        const string tool = """{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}""";
        var request = JsonNode.Parse("""
            {"messages": [
              {"role": "user", "content": "Weather in Paris?"},
              {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
              {"role": "tool", "tool_call_id": "call_1", "content": "18 C, sunny"}
            ], "tools": [
            """ + tool + "]}")!.AsObject();

        var expected = PromptTokens.ReplyPriming
            + PromptTokens.PerMessage + Count("user") + Count("Weather in Paris?")
            + PromptTokens.PerMessage + Count("assistant") + Count("get_weather") + Count("""{"city":"Paris"}""")
            + PromptTokens.PerMessage + Count("tool") + Count("18 C, sunny")
            + Count(tool);
        Assert.Equal(expected, PromptTokens.CountChat(request, "gpt-4o"));
    }

    [Fact]
    public void CountChat_EscapedText_CountsTheUnescapedText()
    {
        const string text = "line one\nline \"two\"\tcafé 😀 \\ end";
        var parsed = JsonNode.Parse("""{"messages": [{"role": "user", "content": "line one\nline \"two\"\tcaf\u00e9 \ud83d\ude00 \\ end"}]}""")!.AsObject();
        var built = new JsonObject { ["messages"] = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = text } } };

        var expected = PromptTokens.ReplyPriming + PromptTokens.PerMessage + Count("user") + Count(text);
        Assert.Equal(expected, PromptTokens.CountChat(parsed, "gpt-4o"));
        Assert.Equal(expected, PromptTokens.CountChat(built, "gpt-4o"));
    }

    [Fact]
    public void CountChat_NoMessages_OnlyTheReplyPriming()
    {
        Assert.Equal(PromptTokens.ReplyPriming, PromptTokens.CountChat(new JsonObject(), "gpt-4o"));
        // Messages that are not objects are skipped; content that is not text counts nothing.
        Assert.Equal(PromptTokens.ReplyPriming + 2 * PromptTokens.PerMessage,
            PromptTokens.CountChat(JsonNode.Parse("""{"messages": [{"content": 42}, "junk", null, {}]}""")!.AsObject(), "gpt-4o"));
    }

    private static int Count(string text) => PromptTokens.For("gpt-4o").CountTokens(text);

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("claude-sonnet-4-5")]
    public void BoundChat_NeverBelowTheCount(string model)
    {
        // Seeded random prompts over scripts the tokenizers treat very differently: English words, digits, CJK (several
        // bytes a character), emoji (surrogate pairs), escapes, whitespace runs; plus names, tool calls and definitions.
        string[] pieces = ["the", " quick", "brown", "fox", "1234567", "東京都", "の", "😀", @"\n", @"\""", @"\u00e9", "   ", @"\t", "<|endoftext|>", "é", "ß", "ﬁ", "٣", "𝔘"];
        var random = new Random(20261207);
        for (var n = 0; n < 200; n++)
        {
            string Text()
            {
                var text = new StringBuilder();
                for (var w = random.Next(0, 60); w > 0; w--) { text.Append(pieces[random.Next(pieces.Length)]); }
                return text.ToString();
            }
            var json = $$$$"""
                {"messages":[
                  {"role":"system","content":"{{{{Text()}}}}"},
                  {"role":"user","name":"u{{{{n}}}}","content":[{"type":"text","text":"{{{{Text()}}}}"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"q\":\"{{{{Text()}}}}\"}"}}]},
                  {"role":"tool","tool_call_id":"c","content":"{{{{Text()}}}}"}],
                 "tools":[{"type":"function","function":{"name":"f","description":"{{{{Text()}}}}","parameters":{"type":"object"}}}]}
                """;
            var request = (JsonObject)JsonNode.Parse(json)!;
            var count = PromptTokens.CountChat(request, model);
            var bound = PromptTokens.BoundChat(request);
            Assert.True(bound >= count, $"bound {bound} below count {count} for {json}");
            // Set by the gateway (a guard's mask) rather than parsed: the bound reads the string's UTF-8 length.
            request["messages"]![0]!["content"] = Text();
            Assert.True(PromptTokens.BoundChat(request) >= PromptTokens.CountChat(request, model));
        }
    }
}
