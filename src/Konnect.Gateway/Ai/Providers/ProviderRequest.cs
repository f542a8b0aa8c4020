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
    /// <param name="sizeHint">About how many bytes the body takes (the client's body length), so its buffer is made once.</param>
    public static HttpRequestMessage Build(AiProviderModel provider, string? key, string model, AiOperation operation, JsonObject chatRequest, bool stream, int maxTokens, int sizeHint = 4096)
    {
        var (path, body) = (provider.Type, operation) switch
        {
            (AiProviderType.Anthropic, AiOperation.Chat) => ("/v1/messages", Utf8(AnthropicMessages.FromChatRequest(chatRequest, model, maxTokens), sizeHint)),
            (AiProviderType.Anthropic, AiOperation.Embeddings) => throw new FormatException($"provider {provider.Name} (Anthropic) offers no embeddings; choose a model served by an OpenAI, Azure, Gemini or OpenAI-compatible provider"),
            (AiProviderType.Gemini, AiOperation.Chat) => ("/" + GeminiContents.Path(model, stream), Utf8(GeminiContents.FromChatRequest(chatRequest, maxTokens), sizeHint)),
            (AiProviderType.Gemini, AiOperation.Embeddings) => ("/" + GeminiEmbeddings.Path(model), Utf8(GeminiEmbeddings.FromEmbeddingsRequest(chatRequest, model), sizeHint)),
            (AiProviderType.AzureOpenAI, _) => ($"/openai/deployments/{Uri.EscapeDataString(model)}/{Endpoint(operation)}?api-version={provider.ApiVersion}", OpenAiBody(chatRequest, model, operation, stream, modern: true, sizeHint)),
            (AiProviderType.OpenAI, _) => ("/" + Endpoint(operation), OpenAiBody(chatRequest, model, operation, stream, modern: true, sizeHint)),
            _ => ("/" + Endpoint(operation), OpenAiBody(chatRequest, model, operation, stream, modern: false, sizeHint)),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, provider.BaseUrl + path)
        {
            Content = new ReadOnlyMemoryContent(body) { Headers = { ContentType = Json } },
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
    private static ReadOnlyMemory<byte> Utf8(JsonObject body, int sizeHint)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(sizeHint + 128, 256));
        using (var writer = new Utf8JsonWriter(buffer)) { body.WriteTo(writer); }
        return buffer.WrittenMemory;
    }

    private static string Endpoint(AiOperation operation) => operation == AiOperation.Chat ? "chat/completions" : "embeddings";

    /// <summary>
    /// The hub request with the provider's model, and usage asked for on a stream (the quota settles on it), written
    /// straight from the client's nodes: the hub stays as it is for the next target, and no copy of the prompt is made.
    /// </summary>
    /// <param name="modern">OpenAI's own API (and Azure's): max_tokens is deprecated there and refused by reasoning models,
    /// so the cap travels as max_completion_tokens. OpenAI-compatible servers get what the client wrote.</param>
    private static ReadOnlyMemory<byte> OpenAiBody(JsonObject request, string model, AiOperation operation, bool stream, bool modern, int sizeHint)
    {
        var buffer = new ArrayBufferWriter<byte>(Math.Max(sizeHint + 128, 256));
        using var writer = new Utf8JsonWriter(buffer);
        var renameCap = modern && request.ContainsKey("max_tokens") && !request.ContainsKey("max_completion_tokens");
        var askUsage = operation == AiOperation.Chat && stream;
        writer.WriteStartObject();
        writer.WriteString("model", model);
        foreach (var (name, value) in request)
        {
            switch (name)
            {
                case "model":
                    continue;
                case "max_tokens" when renameCap:
                    writer.WritePropertyName("max_completion_tokens");
                    break;
                case "stream_options" when askUsage:
                    continue;
                default:
                    writer.WritePropertyName(name);
                    break;
            }
            if (value is null) { writer.WriteNullValue(); }
            else { value.WriteTo(writer); }
        }
        if (askUsage)
        {
            writer.WritePropertyName("stream_options");
            writer.WriteStartObject();
            if (request["stream_options"] is JsonObject options)
            {
                foreach (var (name, value) in options)
                {
                    if (name == "include_usage") { continue; }
                    writer.WritePropertyName(name);
                    if (value is null) { writer.WriteNullValue(); }
                    else { value.WriteTo(writer); }
                }
            }
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        writer.Flush();
        return buffer.WrittenMemory;
    }
}
