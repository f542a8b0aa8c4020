using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace Konnect.Gateway.Ai.Tokens;

/// <summary>
/// Counts a prompt's tokens before it is forwarded, so a quota can reserve them. OpenAI's current models (gpt-4o,
/// gpt-4.1, gpt-5, the o-series, gpt-oss) use o200k_base and get an exact count of their texts; every other model uses
/// cl100k_base, which for Claude, Gemini, Llama and the rest is only an estimate of their own tokenizers (typically
/// within 10-20%): the reservation is settled to the provider's reported usage anyway, so an estimate only shifts how
/// much room a call holds while it runs. The vocabularies come from the data packages; nothing is downloaded.
/// </summary>
internal static class PromptTokens
{
    /// <summary>OpenAI's documented overhead: each message is wrapped in about 3 tokens (role markers, separators).</summary>
    public const int PerMessage = 3;

    /// <summary>A message's name costs one token beyond its text.</summary>
    public const int PerName = 1;

    /// <summary>Every reply is primed with &lt;|start|&gt;assistant&lt;|message|&gt;.</summary>
    public const int ReplyPriming = 3;

    /// <summary>
    /// An image part at low detail; high detail costs more (tiles of 170 tokens). Counted as this floor because the
    /// image's size is unknown before it is fetched; the settlement charges what the provider reports.
    /// </summary>
    public const int ImagePart = 85;

    // Loading a vocabulary takes a few hundred milliseconds and ~10 MiB, so each is made once, on first use, and shared:
    // the tokenizers are immutable after creation and safe to use from many threads.
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<Tokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"), LazyThreadSafetyMode.ExecutionAndPublication);

    // Model name prefixes of the o200k family. A prefix ending in a digit must be followed by the end of the name or a
    // separator, so "o1" matches o1 and o1-mini and "gpt-5" matches gpt-5.1, but neither a self-hosted "o100b" nor "gpt-50".
    private static readonly string[] O200kPrefixes = ["gpt-4o", "gpt-4.1", "gpt-5", "chatgpt-4o", "gpt-oss", "o1", "o3", "o4"];

    /// <summary>
    /// The tokenizer for <paramref name="model"/> (the provider's model name; a vendor prefix such as "openai/" and a
    /// fine-tune's "ft:" are ignored).
    /// </summary>
    public static Tokenizer For(string model) => UsesO200k(model) ? O200k.Value : Cl100k.Value;

    public static int CountText(string text, string model) => string.IsNullOrEmpty(text) ? 0 : For(model).CountTokens(text);

    /// <summary>
    /// The prompt tokens of an OpenAI Chat Completions request: for each message its role, text (a string or its text
    /// parts), name, tool calls' names and arguments, plus <see cref="PerMessage"/>; the tool (and legacy function)
    /// definitions as their JSON text; plus <see cref="ReplyPriming"/>. This is the count of OpenAI's cookbook
    /// (num_tokens_from_messages) for messages; for tools it is a slight over-estimate, as OpenAI renders them more tersely.
    /// </summary>
    public static int CountChat(JsonObject chatRequest, string model)
    {
        ArgumentNullException.ThrowIfNull(chatRequest);
        var tokenizer = For(model);
        var total = ReplyPriming;
        if (chatRequest["messages"] is JsonArray messages)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i] is JsonObject message) { total += Message(tokenizer, message); }
            }
        }
        total += Definitions(chatRequest["tools"]);
        total += Definitions(chatRequest["functions"]);
        return total;

        int Definitions(JsonNode? node)
        {
            if (node is not JsonArray definitions) { return 0; }
            var sum = 0;
            for (var i = 0; i < definitions.Count; i++)
            {
                if (definitions[i] is { } definition) { sum += tokenizer.CountTokens(definition.ToJsonString()); }
            }
            return sum;
        }
    }

    /// <summary>
    /// A bound no smaller than <see cref="CountChat"/>'s count, found without the tokenizer: every token of o200k and
    /// cl100k (byte-level BPE) stands for at least one byte of UTF-8, so a text never has more tokens than bytes. It
    /// reads the same fields as <see cref="CountChat"/> and takes each one's length (a JSON string's length with its
    /// escapes, which only make it longer). The quotas reserve this bound when they have room for it, which spares the
    /// tokenizer's 0.1–0.7 ms per 1,000 tokens on the way to the provider; close to a limit the exact count is taken.
    /// </summary>
    public static long BoundChat(JsonObject chatRequest)
    {
        ArgumentNullException.ThrowIfNull(chatRequest);
        long total = ReplyPriming;
        if (chatRequest["messages"] is JsonArray messages)
        {
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i] is JsonObject message) { total += MessageBound(message); }
            }
        }
        return total + DefinitionsBound(chatRequest["tools"]) + DefinitionsBound(chatRequest["functions"]);

        static long DefinitionsBound(JsonNode? node)
        {
            if (node is not JsonArray definitions) { return 0; }
            long sum = 0;
            for (var i = 0; i < definitions.Count; i++)
            {
                if (definitions[i] is { } definition) { sum += Encoding.UTF8.GetByteCount(definition.ToJsonString()); }
            }
            return sum;
        }
    }

    /// <summary>The bound of <see cref="BoundChat"/> for one text: its UTF-8 length.</summary>
    public static long BoundText(string text) => string.IsNullOrEmpty(text) ? 0 : Encoding.UTF8.GetByteCount(text);

    private static long MessageBound(JsonObject message)
    {
        var total = PerMessage + Length(message["role"]);
        switch (message["content"])
        {
            case JsonValue text:
                total += Length(text);
                break;
            case JsonArray parts:
                for (var i = 0; i < parts.Count; i++)
                {
                    if (parts[i] is not JsonObject part) { continue; }
                    if (part["text"] is JsonValue partText) { total += Length(partText); }
                    else if (part["refusal"] is JsonValue refusal) { total += Length(refusal); }
                    else if (part["image_url"] is not null) { total += ImagePart; }
                }
                break;
        }
        if (message["name"] is JsonValue name) { total += PerName + Length(name); }
        if (message["tool_calls"] is JsonArray calls)
        {
            for (var i = 0; i < calls.Count; i++)
            {
                if (calls[i] is JsonObject { } call && call["function"] is JsonObject function) { total += Length(function["name"]) + Length(function["arguments"]); }
            }
        }
        if (message["function_call"] is JsonObject legacy) { total += Length(legacy["name"]) + Length(legacy["arguments"]); }
        return total;
    }

    /// <summary>A string value's UTF-8 length: of its JSON token as parsed (quotes and escapes only add), or of a string the gateway set.</summary>
    private static long Length(JsonNode? node)
    {
        if (node is not JsonValue value) { return 0; }
        if (value.TryGetValue<JsonElement>(out var element))
        {
            return element.ValueKind == JsonValueKind.String ? JsonMarshal.GetRawUtf8Value(element).Length : 0;
        }
        return value.TryGetValue<string>(out var text) ? Encoding.UTF8.GetByteCount(text) : 0;
    }

    private static int Message(Tokenizer tokenizer, JsonObject message)
    {
        var total = PerMessage + Count(tokenizer, message["role"]);
        switch (message["content"])
        {
            case JsonValue text:
                total += Count(tokenizer, text);
                break;
            case JsonArray parts:
                for (var i = 0; i < parts.Count; i++)
                {
                    if (parts[i] is not JsonObject part) { continue; }
                    if (part["text"] is JsonValue partText) { total += Count(tokenizer, partText); }
                    else if (part["refusal"] is JsonValue refusal) { total += Count(tokenizer, refusal); }
                    else if (part["image_url"] is not null) { total += ImagePart; }
                }
                break;
        }
        if (message["name"] is JsonValue name) { total += PerName + Count(tokenizer, name); }
        if (message["tool_calls"] is JsonArray calls)
        {
            for (var i = 0; i < calls.Count; i++)
            {
                if (calls[i] is JsonObject call) { total += Function(tokenizer, call["function"]); }
            }
        }
        total += Function(tokenizer, message["function_call"]);
        return total;
    }

    private static int Function(Tokenizer tokenizer, JsonNode? node) =>
        node is JsonObject function ? Count(tokenizer, function["name"]) + Count(tokenizer, function["arguments"]) : 0;

    private static int Count(Tokenizer tokenizer, JsonNode? node)
    {
        if (node is not JsonValue value) { return 0; }
        // A parsed request holds its texts as UTF-8 in the document: reading them as strings would allocate the whole
        // prompt again (about 20 KiB for 2,000 tokens), so they are decoded into a pooled buffer instead.
        if (value.TryGetValue<JsonElement>(out var element))
        {
            return element.ValueKind == JsonValueKind.String ? CountUtf8(tokenizer, JsonMarshal.GetRawUtf8Value(element)) : 0;
        }
        return value.TryGetValue<string>(out var text) && text.Length > 0 ? tokenizer.CountTokens(text) : 0;
    }

    /// <summary>Counts a JSON string token (with its quotes and any escapes) without making a string of it.</summary>
    private static int CountUtf8(Tokenizer tokenizer, ReadOnlySpan<byte> token)
    {
        if (token.Length <= 2) { return 0; }
        // UTF-8 never takes fewer bytes than UTF-16 takes chars, and escapes only shrink: the token's length is enough.
        var buffer = ArrayPool<char>.Shared.Rent(token.Length);
        try
        {
            int length;
            if (token.IndexOf((byte)'\\') < 0)
            {
                length = Encoding.UTF8.GetChars(token[1..^1], buffer);
            }
            else
            {
                var reader = new Utf8JsonReader(token);
                reader.Read();
                length = reader.CopyString(buffer);
            }
            return tokenizer.CountTokens(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    private static bool UsesO200k(string model)
    {
        var name = model.AsSpan();
        var slash = name.LastIndexOf('/');
        if (slash >= 0) { name = name[(slash + 1)..]; }
        if (name.StartsWith("ft:", StringComparison.OrdinalIgnoreCase)) { name = name[3..]; }
        foreach (var prefix in O200kPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && (name.Length == prefix.Length || !char.IsAsciiLetterOrDigit(name[prefix.Length]) || prefix[^1] is not (>= '0' and <= '9')))
            {
                return true;
            }
        }
        return false;
    }
}
