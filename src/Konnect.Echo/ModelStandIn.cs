// An OpenAI-compatible stand-in model, so `make run` can show the AI gateway without an account or a GPU: a newcomer
// points curl or the OpenAI SDK at it (directly or through Konnect) and gets chat completions, streamed or not, with
// usage counted by the real gpt-4o tokenizer, so quotas and cost figures are believable.
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace Konnect.Echo;

/// <summary>
/// Answers POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models and GET /v1/models/{id} in OpenAI's wire
/// format; every other request goes on to the echo. The answer is derived from the last user message only, so the same
/// question always gets the same answer; streamed answers send one word per event, <paramref name="wordDelay"/> apart.
/// </summary>
/// <param name="zeroUsage">Report 0 prompt and 0 completion tokens (the bench's way to keep a quota near its limit on
/// every call, since the gateway settles on the reported usage).</param>
internal sealed class ModelStandIn(string backend, TimeSpan wordDelay, bool zeroUsage = false)
{
    public const string ModelId = "konnect-standin";

    // The vocabulary takes a moment to load; a plain echo never pays for it.
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForModel("gpt-4o"));

    // Readable in a terminal: curl shows ‘x’ as itself, not \u2018. The bodies are JSON, never HTML.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path.Value ?? "/";
        return (context.Request.Method, path) switch
        {
            ("POST", "/v1/chat/completions") => ChatAsync(context),
            ("POST", "/v1/embeddings") => EmbeddingsAsync(context),
            ("GET", "/v1/models") => WriteAsync(context, 200, new JsonObject { ["object"] = "list", ["data"] = new JsonArray(ModelObject()) }),
            ("GET", "/v1/models/" + ModelId) => WriteAsync(context, 200, ModelObject()),
            _ => next(context),
        };
    }

    /// <summary>
    /// Prompt tokens as OpenAI counts them for gpt-4o: 3 per message, plus its role and content (and name, with 1 more),
    /// plus 3 that prime the reply. Tools and tool calls are not counted.
    /// </summary>
    public static int PromptTokens(JsonArray messages) => 3 + messages.Sum(m =>
    {
        var tokens = 3 + Count(Text(m?["role"])) + Count(Text(m?["content"]));
        return m?["name"] is { } name ? tokens + Count(Text(name)) + 1 : tokens;
    });

    public static int Count(string text) => text.Length == 0 ? 0 : O200k.Value.CountTokens(text);

    /// <summary>The deterministic answer to <paramref name="messages"/>: a few sentences about the last user message.</summary>
    public static string AnswerTo(JsonArray messages)
    {
        var last = messages.LastOrDefault(m => Text(m?["role"]) == "user");
        var words = Text(last?["content"]).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) { return $"You said nothing. I am {ModelId}, a stand-in model that answers from your words alone. Ask me something."; }
        var said = words.Length == 1 ? "1 word" : $"{words.Length} words";
        var ends = words.Length == 1 ? $"It was ‘{Clip(words[0])}’." : $"The first was ‘{Clip(words[0])}’ and the last was ‘{Clip(words[^1])}’.";
        return $"You said {said}. {ends} I am {ModelId}, a stand-in model that answers from your words alone. Ask again and I will say the same.";
    }

    private async Task ChatAsync(HttpContext context)
    {
        if (await ReadAsync(context) is not { } body || body["messages"] is not JsonArray messages)
        {
            await ErrorAsync(context, "The body must be a JSON object with a messages array.", "messages");
            return;
        }
        var model = Text(body["model"]) is { Length: > 0 } asked ? asked : ModelId;
        var answer = AnswerTo(messages);
        var (prompt, completion) = (PromptTokens(messages), Count(answer));
        var id = $"chatcmpl-standin-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(answer)))[..12]}";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (body["stream"] is not JsonValue stream || !stream.TryGetValue(out bool streamed) || !streamed)
        {
            var message = new JsonObject { ["role"] = "assistant", ["content"] = answer, ["refusal"] = null };
            await WriteAsync(context, 200, new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion", ["created"] = created, ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = "stop" }),
                ["usage"] = Usage(prompt, completion),
            });
            return;
        }

        var includeUsage = body["stream_options"]?["include_usage"] is JsonValue flag && flag.TryGetValue(out bool usage) && usage;
        context.Response.Headers["x-echo-backend"] = backend;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        var aborted = context.RequestAborted;
        await SendAsync(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null));
        foreach (var word in Words(answer))
        {
            if (wordDelay > TimeSpan.Zero) { await Task.Delay(wordDelay, aborted); }
            await SendAsync(Chunk(new JsonObject { ["content"] = word }, null));
        }
        await SendAsync(Chunk(new JsonObject(), "stop"));
        if (includeUsage)
        {
            // OpenAI's closing usage chunk: no choices, the whole call's usage.
            var last = Chunk(null, null);
            last["usage"] = Usage(prompt, completion);
            await SendAsync(last);
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", aborted);
        await context.Response.Body.FlushAsync(aborted);

        JsonObject Chunk(JsonObject? delta, string? finishReason)
        {
            var choices = delta is null ? new JsonArray()
                : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason });
            var chunk = new JsonObject { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = model, ["choices"] = choices };
            if (includeUsage) { chunk["usage"] = null; }
            return chunk;
        }

        async Task SendAsync(JsonObject chunk)
        {
            await context.Response.WriteAsync($"data: {chunk.ToJsonString(Relaxed)}\n\n", aborted);
            await context.Response.Body.FlushAsync(aborted);
        }
    }

    private async Task EmbeddingsAsync(HttpContext context)
    {
        var body = await ReadAsync(context);
        List<string>? inputs = body?["input"] switch
        {
            JsonValue one when one.TryGetValue(out string? text) => [text],
            JsonArray many when many.Count > 0 && many.All(n => n is JsonValue v && v.TryGetValue(out string? _)) => [.. many.Select(Text)],
            _ => null,
        };
        if (body is null || inputs is null)
        {
            await ErrorAsync(context, "The body must be a JSON object whose input is a string or an array of strings.", "input");
            return;
        }
        var dimensions = body["dimensions"] is JsonValue d && d.TryGetValue(out int asked) && asked is > 0 and <= 3072 ? asked : 8;
        // The OpenAI SDKs ask for base64 (little-endian float32s) and decode it themselves.
        var base64 = Text(body["encoding_format"]) == "base64";
        var data = new JsonArray();
        foreach (var (input, index) in inputs.Select((input, index) => (input, index)))
        {
            var vector = Embed(input, dimensions);
            JsonNode embedding = base64 ? (JsonNode)Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan())) : new JsonArray([.. vector.Select(v => (JsonNode)v)]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = index, ["embedding"] = embedding });
        }
        var tokens = inputs.Sum(Count);
        await WriteAsync(context, 200, new JsonObject
        {
            ["object"] = "list", ["data"] = data, ["model"] = Text(body["model"]) is { Length: > 0 } model ? model : ModelId,
            ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
        });
    }

    /// <summary>A unit vector from the text's SHA-256 (in counter mode for more than 8 dimensions): the same text, the same vector.</summary>
    private static float[] Embed(string text, int dimensions)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var vector = new float[dimensions];
        for (var block = 0; block * 8 < dimensions; block++)
        {
            var hash = SHA256.HashData([.. bytes, .. BitConverter.GetBytes(block)]);
            for (var i = 0; i < 8 && block * 8 + i < dimensions; i++) { vector[block * 8 + i] = BitConverter.ToUInt32(hash, i * 4) / (float)uint.MaxValue * 2 - 1; }
        }
        var length = MathF.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / length)];
    }

    private static JsonObject ModelObject() => new() { ["id"] = ModelId, ["object"] = "model", ["created"] = 1767225600, ["owned_by"] = "konnect" };

    private JsonObject Usage(int prompt, int completion)
    {
        if (zeroUsage) { (prompt, completion) = (0, 0); }
        return new() { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
    }

    /// <summary>The words of <paramref name="text"/>, each with the space before it, so the deltas join back to the text.</summary>
    private static IEnumerable<string> Words(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ' ' && text[i - 1] != ' ')) { yield return text[start..i]; start = i; }
        }
    }

    /// <summary>A string, or the text parts of a content array joined (OpenAI's two forms of message content).</summary>
    private static string Text(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonArray parts => string.Join("\n", parts.Select(p => p?["text"] is JsonValue t && t.TryGetValue(out string? s) ? s : null).OfType<string>()),
        _ => "",
    };

    private static string Clip(string word) => word.Length <= 40 ? word : word[..40] + "…";

    private static async Task<JsonObject?> ReadAsync(HttpContext context)
    {
        try { return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject; }
        catch (JsonException) { return null; }
    }

    private Task ErrorAsync(HttpContext context, string message, string param) => WriteAsync(context, 400, new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = param, ["code"] = null },
    });

    private Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.Headers["x-echo-backend"] = backend;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(Relaxed), context.RequestAborted);
    }
}
