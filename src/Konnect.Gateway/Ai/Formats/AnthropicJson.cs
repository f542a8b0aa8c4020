using System.Text.Json;
using System.Text.Json.Nodes;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>Reading, id and vocabulary helpers the Anthropic translations share.</summary>
internal static class AnthropicJson
{
    private const string ChatIdPrefix = "chatcmpl-";
    private const string MessageIdPrefix = "msg_";

    public static string? String(JsonObject? o, string name) => AsString(o?[name]);

    public static string? AsString(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    public static long? Long(JsonObject? o, string name) => AsLong(o?[name]);

    public static long? AsLong(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
            return null;
        if (v.TryGetValue<long>(out var l))
            return l;
        if (v.TryGetValue<int>(out var i))
            return i;
        // A value built in code may hold a double; only a whole one is a count.
        return v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < long.MaxValue ? (long)d : null;
    }

    public static bool? Bool(JsonObject? o, string name) => o?[name] is JsonValue v
        ? v.GetValueKind() switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null }
        : null;

    /// <summary>Copies a value across documents: a node belongs to one parent only.</summary>
    public static JsonNode? Copy(JsonNode? node) => node?.DeepClone();

    public static void CopyIfPresent(JsonObject from, string name, JsonObject to, string? toName = null)
    {
        if (from[name] is { } value)
            to[toName ?? name] = value.DeepClone();
    }

    public static long UnixNow(TimeProvider? time) => (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeSeconds();

    public static string NewSuffix() => Guid.NewGuid().ToString("N");

    /// <summary>A chat completion id for an Anthropic message id; <see cref="MessageId"/> undoes it.</summary>
    public static string ChatId(string? messageId) => ChatIdPrefix + (string.IsNullOrEmpty(messageId) ? NewSuffix() : messageId);

    public static string MessageId(string? chatId)
    {
        if (string.IsNullOrEmpty(chatId))
            return MessageIdPrefix + NewSuffix();
        var rest = chatId.StartsWith(ChatIdPrefix, StringComparison.Ordinal) ? chatId[ChatIdPrefix.Length..] : chatId;
        return rest.StartsWith(MessageIdPrefix, StringComparison.Ordinal) ? rest : MessageIdPrefix + rest;
    }

    /// <summary>Anthropic stop_reason to OpenAI finish_reason.</summary>
    public static string FinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        // end_turn, stop_sequence and pause_turn all mean the model stopped on its own terms.
        _ => "stop",
    };

    /// <summary>OpenAI finish_reason to Anthropic stop_reason.</summary>
    public static string StopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    /// <summary>
    /// All input tokens of an Anthropic usage object: input_tokens leaves out the tokens written to and read from the
    /// prompt cache, which OpenAI's prompt_tokens (the hub's measure) counts.
    /// </summary>
    public static long InputTokens(JsonObject usage) =>
        (Long(usage, "input_tokens") ?? 0) + (Long(usage, "cache_creation_input_tokens") ?? 0) + (Long(usage, "cache_read_input_tokens") ?? 0);

    public static TokenUsage? TokenUsageOf(JsonObject? anthropicUsage) => anthropicUsage is null
        ? null
        : new TokenUsage(InputTokens(anthropicUsage), Long(anthropicUsage, "output_tokens") ?? 0);

    /// <summary>OpenAI usage for token counts; cached input tokens go to prompt_tokens_details as OpenAI reports them.</summary>
    public static JsonObject ChatUsage(long input, long output, long cached = 0)
    {
        var usage = new JsonObject { ["prompt_tokens"] = input, ["completion_tokens"] = output, ["total_tokens"] = input + output };
        if (cached > 0)
            usage["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cached };
        return usage;
    }

    public static JsonObject ChatUsage(JsonObject anthropicUsage) =>
        ChatUsage(InputTokens(anthropicUsage), Long(anthropicUsage, "output_tokens") ?? 0, Long(anthropicUsage, "cache_read_input_tokens") ?? 0);

    /// <summary>Anthropic usage for an OpenAI usage object: cached prompt tokens are reported apart, as Anthropic does.</summary>
    public static JsonObject AnthropicUsage(JsonObject? chatUsage)
    {
        var prompt = Long(chatUsage, "prompt_tokens") ?? 0;
        var cached = Long(chatUsage?["prompt_tokens_details"] as JsonObject, "cached_tokens") ?? 0;
        var usage = new JsonObject
        {
            ["input_tokens"] = Math.Max(0, prompt - cached),
            ["output_tokens"] = Long(chatUsage, "completion_tokens") ?? 0,
        };
        if (cached > 0)
            usage["cache_read_input_tokens"] = cached;
        return usage;
    }

    /// <summary>An Anthropic image source for an OpenAI image URL: a base64 data URL or an http(s) URL.</summary>
    public static JsonObject ImageSource(string url, string field)
    {
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var (mediaType, data) = ParseDataUrl(url, field);
            return new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = data };
        }
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return new JsonObject { ["type"] = "url", ["url"] = url };
        throw new FormatException($"{field} must be a base64 data: URL or an http(s) URL.");
    }

    public static (string MediaType, string Data) ParseDataUrl(string url, string field)
    {
        const string base64Marker = ";base64";
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var meta = comma < 0 ? "" : url[5..comma];
        if (comma < 0 || !meta.EndsWith(base64Marker, StringComparison.OrdinalIgnoreCase) || meta.Length == base64Marker.Length)
            throw new FormatException($"{field} must be a base64 data: URL with a media type (data:<type>;base64,<data>).");
        return (meta[..^base64Marker.Length], url[(comma + 1)..]);
    }

    /// <summary>
    /// The caller Anthropic names on every tool_use block it sends: the model itself. Anthropic's SDKs treat the field as
    /// required when they validate a message.
    /// </summary>
    public static JsonObject DirectCaller() => new() { ["type"] = "direct" };

    public static string ToDataUrl(string mediaType, string data) => $"data:{mediaType};base64,{data}";
}
