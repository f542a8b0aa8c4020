using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.GeminiJson;

namespace Konnect.Gateway.Ai.Formats;

internal static partial class GeminiContents
{
    // Tool arguments travel as a JSON string inside JSON: escaping non-ASCII text a second time only makes it unreadable.
    private static readonly JsonSerializerOptions ArgumentsJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A GenerateContentResponse as an OpenAI chat.completion, one choice per candidate.</summary>
    public static JsonObject ToChatResponse(JsonObject response, string model)
    {
        var responseId = Str(response["responseId"]);
        var callIds = new CallIds(responseId);
        var choices = new JsonArray();
        if (response["candidates"] is JsonArray candidates)
        {
            for (var c = 0; c < candidates.Count; c++)
            {
                if (candidates[c] is not JsonObject candidate) { continue; }
                var text = new StringBuilder();
                var toolCalls = new JsonArray();
                foreach (var part in Parts(candidate))
                {
                    if (VisibleText(part) is { } piece) { text.Append(piece); }
                    else if (part["functionCall"] is JsonObject call) { toolCalls.Add(ToolCall(part, call, callIds.Next(call), index: null)); }
                }
                var message = new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = text.Length == 0 && toolCalls.Count > 0 ? null : text.ToString(),
                };
                if (toolCalls.Count > 0) { message["tool_calls"] = toolCalls; }
                choices.Add(new JsonObject
                {
                    ["index"] = Count(candidate["index"]) ?? c,
                    ["message"] = message,
                    ["logprobs"] = null,
                    ["finish_reason"] = FinishReason(Str(candidate["finishReason"]) ?? "STOP", toolCalls.Count > 0),
                });
            }
        }
        if (choices.Count == 0)
        {
            // No candidate at all: Gemini blocked the prompt itself (promptFeedback.blockReason).
            choices.Add(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "" },
                ["logprobs"] = null,
                ["finish_reason"] = PromptBlocked(response) ? "content_filter" : "stop",
            });
        }

        var result = new JsonObject
        {
            ["id"] = "chatcmpl-" + (responseId ?? RandomId()),
            ["object"] = "chat.completion",
            ["created"] = UnixNow(),
            ["model"] = Str(response["modelVersion"]) ?? model,
            ["choices"] = choices,
        };
        if (UsageObject(response) is { } usage) { result["usage"] = usage; }
        return result;
    }

    /// <summary>Tokens from usageMetadata: thinking is billed as output, and prompts built for built-in tools as input.</summary>
    public static TokenUsage? Usage(JsonObject response)
    {
        if (response["usageMetadata"] is not JsonObject meta) { return null; }
        var input = (Count(meta["promptTokenCount"]) ?? 0) + (Count(meta["toolUsePromptTokenCount"]) ?? 0);
        var output = (Count(meta["candidatesTokenCount"]) ?? 0) + (Count(meta["thoughtsTokenCount"]) ?? 0);
        return new TokenUsage(input, output);
    }

    /// <summary>The path under the API version ("v1beta/"): "models/{model}:generateContent", or the streaming method answering SSE.</summary>
    public static string Path(string model, bool stream) =>
        EscapedResourceName(model) + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");

    /// <summary>The message of a Gemini error body {"error":{"code","message","status"}} (also inside a JSON array), or null.</summary>
    public static string? ErrorMessage(JsonNode? body)
    {
        if (body is JsonArray { Count: > 0 } list) { body = list[0]; }
        if (body is not JsonObject root || root["error"] is not JsonObject error) { return null; }
        return Str(error["message"]) ?? Str(error["status"]);
    }

    /// <summary>"models/{model}" as the body names it; a name already starting with models/ or tunedModels/ is kept.</summary>
    internal static string ResourceName(string model)
    {
        var (collection, id) = SplitModel(model);
        return collection + id;
    }

    internal static string EscapedResourceName(string model)
    {
        var (collection, id) = SplitModel(model);
        return collection + Uri.EscapeDataString(id);
    }

    private static (string Collection, string Id) SplitModel(string model)
    {
        foreach (var collection in (ReadOnlySpan<string>)["models/", "tunedModels/"])
        {
            if (model.StartsWith(collection, StringComparison.Ordinal)) { return (collection, model[collection.Length..]); }
        }
        if (string.IsNullOrWhiteSpace(model)) { throw new FormatException("model must name a Gemini model"); }
        return ("models/", model);
    }

    internal static IEnumerable<JsonObject> Parts(JsonObject candidate) =>
        At(candidate, "content", "parts") is JsonArray parts ? parts.OfType<JsonObject>() : [];

    /// <summary>The answer text of a part; null for thought summaries and parts that are not text.</summary>
    internal static string? VisibleText(JsonObject part) =>
        part["thought"] is JsonValue thought && thought.GetValueKind() == JsonValueKind.True ? null : Str(part["text"]);

    /// <summary>An OpenAI tool call; <paramref name="index"/> is set in stream deltas only.</summary>
    internal static JsonObject ToolCall(JsonObject part, JsonObject functionCall, string id, int? index)
    {
        var call = new JsonObject();
        if (index is { } i) { call["index"] = i; }
        call["id"] = id;
        call["type"] = "function";
        call["function"] = new JsonObject
        {
            ["name"] = Str(functionCall["name"]) ?? "",
            ["arguments"] = (functionCall["args"] as JsonObject ?? new JsonObject()).ToJsonString(ArgumentsJson),
        };
        // Where Google's own OpenAI-compatible endpoint puts it, so a client echoing the call back returns it to Gemini 3.
        if (Str(part["thoughtSignature"]) is { } signature)
        {
            call["extra_content"] = new JsonObject { ["google"] = new JsonObject { ["thought_signature"] = signature } };
        }
        return call;
    }

    /// <summary>The OpenAI finish_reason for a Gemini finishReason; null while the candidate is not finished.</summary>
    internal static string? FinishReason(string? reason, bool calledTools) => reason switch
    {
        null => null,
        "MAX_TOKENS" => "length",
        "SAFETY" or "RECITATION" or "BLOCKLIST" or "PROHIBITED_CONTENT" or "SPII"
            or "IMAGE_SAFETY" or "IMAGE_PROHIBITED_CONTENT" or "IMAGE_RECITATION" => "content_filter",
        _ => calledTools ? "tool_calls" : "stop",
    };

    internal static bool PromptBlocked(JsonObject response) => Str(At(response, "promptFeedback", "blockReason")) is not null;

    /// <summary>OpenAI usage from usageMetadata, with the cached and reasoning details Gemini reports.</summary>
    internal static JsonObject? UsageObject(JsonObject response)
    {
        if (Usage(response) is not { } usage || response["usageMetadata"] is not JsonObject meta) { return null; }
        var result = new JsonObject
        {
            ["prompt_tokens"] = usage.Input,
            ["completion_tokens"] = usage.Output,
            ["total_tokens"] = usage.Total,
        };
        if (Count(meta["cachedContentTokenCount"]) is { } cached) { result["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cached }; }
        if (Count(meta["thoughtsTokenCount"]) is { } thoughts) { result["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = thoughts }; }
        return result;
    }

    /// <summary>
    /// Tool call ids: Gemini's own when it sends one, else "call_{responseId}_{n}", unique per response and the same
    /// whether the answer was streamed or not.
    /// </summary>
    internal sealed class CallIds(string? responseId)
    {
        private readonly string _prefix = "call_" + (responseId ?? RandomId()) + "_";
        private int _next;

        public string Next(JsonObject functionCall)
        {
            var ordinal = _next++;
            return Str(functionCall["id"]) ?? _prefix + ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
