using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai.Formats;
using Konnect.Model;

namespace Konnect.Gateway.Ai.Providers;

/// <summary>What a call asks of a provider.</summary>
internal enum AiOperation { Chat, Embeddings }

/// <summary>
/// Builds the HTTP request a provider's own API expects: its path, its way of carrying the key, its body format. The
/// client's headers are never copied: its Authorization is its credential for Konnect, not for the provider.
/// </summary>
internal static class ProviderRequest
{
    public const string AnthropicVersion = "2023-06-01";
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    /// <param name="chatRequest">The call in the hub format (OpenAI chat or embeddings request); not changed.</param>
    /// <exception cref="FormatException">The request cannot be said in the provider's format (the caller answers 400).</exception>
    public static HttpRequestMessage Build(AiProviderModel provider, string? key, string model, AiOperation operation, JsonObject chatRequest, bool stream, int maxTokens)
    {
        var (path, body) = (provider.Type, operation) switch
        {
            (AiProviderType.Anthropic, AiOperation.Chat) => ("/v1/messages", AnthropicMessages.FromChatRequest(chatRequest, model, maxTokens)),
            (AiProviderType.Anthropic, AiOperation.Embeddings) => throw new FormatException($"provider {provider.Name} (Anthropic) offers no embeddings; choose a model served by an OpenAI, Azure, Gemini or OpenAI-compatible provider"),
            (AiProviderType.Gemini, AiOperation.Chat) => ("/" + GeminiContents.Path(model, stream), GeminiContents.FromChatRequest(chatRequest, maxTokens)),
            (AiProviderType.Gemini, AiOperation.Embeddings) => ("/" + GeminiEmbeddings.Path(model), GeminiEmbeddings.FromEmbeddingsRequest(chatRequest, model)),
            (AiProviderType.AzureOpenAI, _) => ($"/openai/deployments/{Uri.EscapeDataString(model)}/{Endpoint(operation)}?api-version={provider.ApiVersion}", OpenAiBody(chatRequest, model, operation, stream, modern: true)),
            (AiProviderType.OpenAI, _) => ("/" + Endpoint(operation), OpenAiBody(chatRequest, model, operation, stream, modern: true)),
            _ => ("/" + Endpoint(operation), OpenAiBody(chatRequest, model, operation, stream, modern: false)),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, provider.BaseUrl + path)
        {
            Content = new ReadOnlyMemoryContent(Utf8(body)) { Headers = { ContentType = Json } },
        };
        if (stream) { request.Headers.Accept.ParseAdd("text/event-stream"); }
        if (key is not null)
        {
            switch (provider.Type)
            {
                case AiProviderType.Anthropic:
                    request.Headers.TryAddWithoutValidation("x-api-key", key);
                    break;
                case AiProviderType.AzureOpenAI:
                    request.Headers.TryAddWithoutValidation("api-key", key);
                    break;
                case AiProviderType.Gemini:
                    request.Headers.TryAddWithoutValidation("x-goog-api-key", key);
                    break;
                default:
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    break;
            }
        }
        if (provider.Type == AiProviderType.Anthropic) { request.Headers.TryAddWithoutValidation("anthropic-version", AnthropicVersion); }
        return request;
    }

    /// <summary>The body as UTF-8, written straight from the nodes (no intermediate string: a 2,000-token prompt is ~10 KB).</summary>
    private static ReadOnlyMemory<byte> Utf8(JsonObject body)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer)) { body.WriteTo(writer); }
        return buffer.WrittenMemory;
    }

    private static string Endpoint(AiOperation operation) => operation == AiOperation.Chat ? "chat/completions" : "embeddings";

    /// <summary>The hub request with the provider's model, and usage asked for on a stream (the quota settles on it).</summary>
    /// <param name="modern">OpenAI's own API (and Azure's): max_tokens is deprecated there and refused by reasoning models,
    /// so the cap travels as max_completion_tokens. OpenAI-compatible servers get what the client wrote.</param>
    private static JsonObject OpenAiBody(JsonObject request, string model, AiOperation operation, bool stream, bool modern)
    {
        var body = (JsonObject)request.DeepClone();
        body["model"] = model;
        if (modern && body["max_tokens"] is { } legacy && !body.ContainsKey("max_completion_tokens"))
        {
            body.Remove("max_tokens");
            body["max_completion_tokens"] = legacy;
        }
        if (operation == AiOperation.Chat && stream)
        {
            var options = body["stream_options"] as JsonObject ?? new JsonObject();
            options["include_usage"] = true;
            body["stream_options"] = options;
        }
        return body;
    }
}
