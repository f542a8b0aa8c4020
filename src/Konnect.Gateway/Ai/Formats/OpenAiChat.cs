using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>Reading the hub format (OpenAI Chat Completions): usage, generated text, the output cap.</summary>
internal static class OpenAiChat
{
    /// <summary>usage of a chat.completion, a usage chunk or an embeddings answer; null when absent.</summary>
    public static TokenUsage? Usage(JsonObject body)
    {
        if (body["usage"] is not JsonObject usage) { return null; }
        var input = Long(usage["prompt_tokens"]);
        var output = Long(usage["completion_tokens"]);
        return input is null && output is null ? null : new TokenUsage(input ?? 0, output ?? 0);
    }

    /// <summary>Appends the text a chunk (delta) or a completion (message) carries, for counting when usage is missing.</summary>
    public static void AppendText(JsonObject body, StringBuilder text)
    {
        if (body["choices"] is not JsonArray choices) { return; }
        foreach (var choice in choices)
        {
            if ((choice?["delta"] ?? choice?["message"]) is not JsonObject message) { continue; }
            if (message["content"] is JsonValue content && content.TryGetValue<string>(out var s)) { text.Append(s); }
            if (message["tool_calls"] is JsonArray calls)
            {
                foreach (var call in calls)
                {
                    if (call?["function"]?["arguments"] is JsonValue args && args.TryGetValue<string>(out var a)) { text.Append(a); }
                }
            }
        }
    }

    /// <summary>True for the usage chunk a stream ends with when include_usage is set: no choices, only usage.</summary>
    public static bool IsUsageOnly(JsonObject chunk) => chunk["choices"] is JsonArray { Count: 0 } && chunk["usage"] is JsonObject;

    /// <summary>True when a chunk carries generated content (the first one is the time to first token).</summary>
    public static bool HasContent(JsonObject chunk)
    {
        if (chunk["choices"] is not JsonArray choices) { return false; }
        foreach (var choice in choices)
        {
            if (choice?["delta"] is not JsonObject delta) { continue; }
            if (delta["content"] is JsonValue c && c.TryGetValue<string>(out var s) && s.Length > 0) { return true; }
            if (delta["tool_calls"] is JsonArray) { return true; }
        }
        return false;
    }

    /// <summary>
    /// Applies the rule's output cap: sets max_completion_tokens (max_tokens for OpenAI-compatible servers that only know
    /// that one is kept as the client wrote it) when the client set none, and lowers a larger one.
    /// </summary>
    /// <returns>The cap the call was given.</returns>
    /// <exception cref="FormatException">A cap that is not a positive integer.</exception>
    public static int ApplyCap(JsonObject request, int cap)
    {
        var asked = Long(request["max_completion_tokens"]);
        var legacy = Long(request["max_tokens"]);
        if ((request["max_completion_tokens"] is not null && asked is not > 0) || (request["max_tokens"] is not null && legacy is not > 0))
        {
            throw new FormatException("max_tokens and max_completion_tokens must be positive integers");
        }
        var given = (int)Math.Min(asked ?? legacy ?? cap, cap);
        if (asked is not null) { request["max_completion_tokens"] = given; }
        if (legacy is not null) { request["max_tokens"] = given; }
        if (asked is null && legacy is null) { request["max_tokens"] = given; }
        return given;
    }

    /// <summary>A whole number, whether parsed from JSON or put into a node by the gateway as an int or a long.</summary>
    private static long? Long(JsonNode? node)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number) { return null; }
        if (value.TryGetValue<long>(out var n)) { return n; }
        if (value.TryGetValue<int>(out var i)) { return i; }
        return value.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) < 1e15 ? (long)d : null;
    }
}
