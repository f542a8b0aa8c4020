using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Ai;
using OpenAI.Chat;
using static Konnect.Gateway.Tests.Ai.AiChatTests;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>Prompts served as REST APIs, and the prompt guard.</summary>
public sealed class AiPromptTests : IAsyncLifetime
{
    private TestGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await TestGateway.StartAsync();

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    private async Task ServePromptAsync(FakeAiProvider fake, string response = "content") =>
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$$"""
            {{{Providers(("p", "OpenAI", fake))}}}
            models: [{ name: fast, targets: [{ provider: p, model: gpt-4o-mini }] }]
            prompt:
              model: fast
              response: {{{response}}}
              description: Tells whether a review is positive.
              messages:
                - { role: system, content: "Answer positive or negative, in {{ language }}." }
                - { role: user, content: "Review: {{text}}" }
              variables:
                - { name: text, maxLength: 20, description: The review }
                - { name: language, required: false }
            """));

    [Fact]
    public async Task PromptApi_PlainRequest_FillsTheTemplateAndAnswersTheContent()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        fake.Enqueue(new FakeReply { Text = "positive" });
        await ServePromptAsync(fake);

        using var response = await PostAsync("/ai", """{"text":"Great shoes","language":"English"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"content":"positive"}""", await response.Content.ReadAsStringAsync());
        var messages = Assert.Single(fake.Calls).Body!["messages"]!.AsArray();
        Assert.Equal("Answer positive or negative, in English.", (string?)messages[0]!["content"]);
        Assert.Equal("Review: Great shoes", (string?)messages[1]!["content"]);
    }

    [Fact]
    public async Task PromptApi_CompletionMode_AnswersTheChatCompletion()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await ServePromptAsync(fake, "completion");

        using var response = await PostAsync("/ai", """{"text":"Great shoes"}""");

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("chat.completion", (string?)body["object"]);
        Assert.Equal(FakeReply.Greeting(AiWire.OpenAI), (string?)body["choices"]![0]!["message"]!["content"]);
    }

    [Theory]
    [InlineData("{}", "The variable 'text' is required.")]
    [InlineData("""{"text":42}""", "The variable 'text' must be a string.")]
    [InlineData("""{"text":"a review far longer than twenty characters"}""", "The variable 'text' is longer than 20 characters.")]
    public async Task PromptApi_BadVariable_400ProblemNamingIt(string body, string detail)
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await ServePromptAsync(fake);

        using var response = await PostAsync("/ai", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(detail, (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["detail"]);
        Assert.Empty(fake.Calls);
    }

    [Fact]
    public async Task PromptApi_OpenApiDocument_DescribesTheVariables()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await ServePromptAsync(fake);

        var document = JsonNode.Parse(await _gateway.Traffic.GetStringAsync("/ai/openapi.json"))!;

        Assert.Equal("3.1.0", (string?)document["openapi"]);
        var schema = document["paths"]!["/ai"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(20, (int)schema["properties"]!["text"]!["maxLength"]!);
        Assert.Equal(["text"], schema["required"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("Tells whether a review is positive.", (string?)document["info"]!["description"]);
    }

    [Fact]
    public async Task Guard_DenyPattern_RefusedInOpenAiShapeAndMaskedPromptLeaves()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await AiSetup.ServeAsync(_gateway, AiSetup.Secret(("p", "k")), AiSetup.PolicyAndRoute($$"""
            {{Providers(("p", "OpenAI", fake))}}
            models: [{ name: fast, targets: [{ provider: p }] }]
            guard:
              deny: [{ name: secrets, pattern: "password|api[ _-]?key" }]
              mask: [{ builtin: email }, { builtin: cardNumber }]
            """));

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat(_gateway).CompleteChatAsync(new UserChatMessage("my PASSWORD is hunter2")));
        await Chat(_gateway).CompleteChatAsync(new UserChatMessage("Mail jane.doe@example.com, card 4111 1111 1111 1111."));

        Assert.Equal(400, refused.Status);
        Assert.Contains("deny pattern \"secrets\"", refused.Message, StringComparison.Ordinal);
        var sent = (string?)Assert.Single(fake.Calls).Body!["messages"]![0]!["content"];
        Assert.Equal("Mail [email], card [card number].", sent);
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json) =>
        _gateway.Traffic.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
}
