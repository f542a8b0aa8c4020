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
        var aborted = context.RequestAborted;
        var bytes = await answer.Response.Content.ReadAsByteArrayAsync(aborted).ConfigureAwait(false);
        call.TimeToFirstToken ??= call.Elapsed;
        if (JsonNode.Parse(bytes) is not JsonObject body)
        {
            throw new FormatException($"provider {answer.Provider.Model.Name} answered with something other than a JSON object");
        }
        var type = answer.Provider.Model.Type;
        byte[]? same = null;
        JsonObject output;
        if (call.Front == AiFront.OpenAIEmbeddings)
        {
            output = type == AiProviderType.Gemini ? GeminiEmbeddings.ToEmbeddingsResponse(body, answer.Model, call.CountedInputTokens, GeminiEmbeddings.WantsBase64(call.Request)) : body;
            if (type != AiProviderType.Gemini) { same = bytes; }
            call.Usage = OpenAiChat.Usage(output) is { } used ? used with { Output = 0 } : new TokenUsage(call.CountedInputTokens, 0, Estimated: true);
            call.ResponseModel = (string?)output["model"] ?? answer.Model;
        }
        else
        {
            var chat = type switch
            {
                AiProviderType.Anthropic => AnthropicMessages.ToChatResponse(body),
                AiProviderType.Gemini => GeminiContents.ToChatResponse(body, answer.Model),
                _ => body,
            };
            call.ResponseModel = chat["model"] is JsonValue m && m.TryGetValue<string>(out var responseModel) ? responseModel : answer.Model;
            call.Usage = OpenAiChat.Usage(chat) ?? Estimate(call, chat);
            var sameFormat = call.Front == AiFront.AnthropicMessages ? type == AiProviderType.Anthropic : type != AiProviderType.Anthropic && type != AiProviderType.Gemini;
            if (sameFormat) { same = bytes; }
            output = call.Front == AiFront.AnthropicMessages ? AnthropicMessages.FromChatResponse(chat) : chat;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        var payload = same ?? System.Text.Encoding.UTF8.GetBytes(output.ToJsonString());
        response.ContentLength = payload.Length;
        await response.Body.WriteAsync(payload, aborted).ConfigureAwait(false);
    }

    /// <summary>The provider reported no usage: count the prompt (already counted) and the answer with the tokenizer.</summary>
    private static TokenUsage Estimate(AiCall call, JsonObject chat)
    {
        var text = new System.Text.StringBuilder();
        OpenAiChat.AppendText(chat, text);
        return new TokenUsage(call.CountedInputTokens, PromptTokens.CountText(text.ToString(), call.ProviderModel ?? call.RequestedModel), Estimated: true);
    }
}
