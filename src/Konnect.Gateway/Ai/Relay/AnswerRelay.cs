using System.Text.Json.Nodes;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai.Formats;
using Konnect.Gateway.Ai.Providers;
using Konnect.Gateway.Ai.Tokens;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>
/// Sends a provider's non-streamed answer to the client in the front's shape. When the provider speaks the front's own
/// format its bytes go out unchanged; otherwise the answer goes through the hub format (OpenAI chat.completion).
/// </summary>
internal static class AnswerRelay
{
    public static async Task RelayAsync(HttpContext context, AiCall call, ProviderAnswer answer)
    {
        var (hub, bytes) = await ReadAsync(context, call, answer).ConfigureAwait(false);
        // Translated to the front's shape only when the provider's own bytes are not already in it.
        bytes ??= Utf8(call.Front == AiFront.AnthropicMessages ? AnthropicMessages.FromChatResponse(hub) : hub);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>Reads the answer and records its usage, response model and time to first token on the call.</summary>
    /// <returns>The answer in the hub format (an OpenAI chat.completion or embeddings list), and the provider's bytes when
    /// they already are in the front's shape.</returns>
    public static async Task<(JsonObject Hub, byte[]? FrontBytes)> ReadAsync(HttpContext context, AiCall call, ProviderAnswer answer)
    {
        var bytes = await answer.Response.Content.ReadAsByteArrayAsync(context.RequestAborted).ConfigureAwait(false);
        call.TimeToFirstToken ??= call.Elapsed;
        if (JsonNode.Parse(bytes) is not JsonObject body)
        {
            throw new FormatException($"provider {answer.Provider.Model.Name} answered with something other than a JSON object");
        }
        var type = answer.Provider.Model.Type;
        if (call.Front == AiFront.OpenAIEmbeddings)
        {
            var list = type == AiProviderType.Gemini ? GeminiEmbeddings.ToEmbeddingsResponse(body, answer.Model, call.InputTokens, GeminiEmbeddings.WantsBase64(call.Request)) : body;
            call.Usage = OpenAiChat.Usage(list) is { } used ? used with { Output = 0 } : new TokenUsage(call.InputTokens, 0, Estimated: true);
            call.ResponseModel = (string?)list["model"] ?? answer.Model;
            return (list, type == AiProviderType.Gemini ? null : bytes);
        }
        var chat = type switch
        {
            AiProviderType.Anthropic => AnthropicMessages.ToChatResponse(body),
            AiProviderType.Gemini => GeminiContents.ToChatResponse(body, answer.Model),
            _ => body,
        };
        call.ResponseModel = chat["model"] is JsonValue m && m.TryGetValue<string>(out var responseModel) ? responseModel : answer.Model;
        call.Usage = OpenAiChat.Usage(chat) ?? Estimate(call, chat);
        var sameFormat = call.Front == AiFront.AnthropicMessages ? type == AiProviderType.Anthropic : type != AiProviderType.Anthropic && type != AiProviderType.Gemini;
        return (chat, sameFormat ? bytes : null);
    }

    private static byte[] Utf8(JsonObject json) => System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());

    /// <summary>The provider reported no usage: count the prompt (already counted) and the answer with the tokenizer.</summary>
    private static TokenUsage Estimate(AiCall call, JsonObject chat)
    {
        var text = new System.Text.StringBuilder();
        OpenAiChat.AppendText(chat, text);
        return new TokenUsage(call.InputTokens, PromptTokens.CountText(text.ToString(), call.ProviderModel ?? call.RequestedModel), Estimated: true);
    }
}
