using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Konnect.Testing.Ai;

/// <summary>
/// A model provider on 127.0.0.1 that speaks one provider's real wire format (paths, auth headers, bodies, SSE
/// framing, error bodies), so the AI gateway and the official SDKs can be tested against real sockets. It records every
/// call, answers each with the next queued <see cref="FakeReply"/> (or <see cref="FakeReply.Default"/>), and never
/// checks keys: a call with a wrong or missing key is answered like any other, and tests assert on its headers.
/// </summary>
/// <remarks>
/// Endpoints, by wire (each known endpoint takes one reply; any other path gets the wire's 404 and takes none):
/// OpenAI: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models, GET /v1/models/{id}.
/// AzureOpenAI: POST /openai/deployments/{deployment}/chat/completions and /embeddings (any api-version).
/// Anthropic: POST /v1/messages.
/// Gemini: POST /v1beta/models/{model}:generateContent, :streamGenerateContent (SSE with alt=sse, else a JSON
/// array), :batchEmbedContents and :embedContent.
/// </remarks>
public sealed partial class FakeAiProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeReply> _replies = new();
    private readonly List<RecordedCall> _calls = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _activeStreams;
    private int _ids;

    private FakeAiProvider(AiWire wire, WebApplication app)
    {
        Wire = wire;
        _app = app;
    }

    public AiWire Wire { get; }

    /// <summary>What a client or the gateway configures as the provider's base URL.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Every call so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<RecordedCall> Calls
    {
        get { lock (_calls) { return [.. _calls]; } }
    }

    /// <summary>Streamed answers in progress: counted from the request until the stream ends or the client goes.</summary>
    public int ActiveStreams => Volatile.Read(ref _activeStreams);

    /// <summary>Queues a reply: replies are used in order, one per call to a known endpoint.</summary>
    public void Enqueue(FakeReply reply) => _replies.Enqueue(reply);

    public static async Task<FakeAiProvider> StartAsync(AiWire wire)
    {
        var app = LoopbackApp.Create();
        var fake = new FakeAiProvider(wire, app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var root = $"http://127.0.0.1:{app.Port()}";
        fake.BaseUrl = wire switch { AiWire.OpenAI => root + "/v1", AiWire.Gemini => root + "/v1beta", _ => root };
        return fake;
    }

    /// <summary>The deterministic 8-float unit vector every fake embeds <paramref name="text"/> as.</summary>
    public static float[] Embedding(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var vector = new float[8];
        for (var i = 0; i < vector.Length; i++) { vector[i] = BitConverter.ToUInt32(hash, i * 4) / (float)uint.MaxValue * 2 - 1; }
        var length = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < vector.Length; i++) { vector[i] /= length; }
        return vector;
    }

    public async ValueTask DisposeAsync()
    {
        // Open streams end now instead of holding the host's shutdown until they finish.
        await _stopping.CancelAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private enum Operation { None, Chat, Embeddings, Models, Model }

    /// <summary>A matched path: the operation, the model or deployment the path names, and Gemini's stream flags.</summary>
    private readonly record struct Route(Operation Operation, string? PathModel = null, bool Streamed = false, bool Batch = false);

    /// <summary>One call being answered.</summary>
    private sealed record Exchange(HttpContext Context, JsonObject? Body, FakeReply Reply, Route Route, CancellationToken Aborted);

    /// <summary>What the fake model "generated" for one call, with the usage it reports.</summary>
    private sealed record Plan(string Model, string Text, IReadOnlyList<string> Pieces, FakeToolCall? ToolCall, int InputTokens, int OutputTokens, bool Usage);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await ReadBodyAsync(request);
        var path = request.Path.Value ?? "/";
        var route = Match(request.Method, path, request.Query);
        var stream = route.Operation == Operation.Chat && (Wire == AiWire.Gemini ? route.Streamed : IsTrue(body?["stream"]));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in request.Headers) { headers[name.ToLowerInvariant()] = value.ToString(); }
        lock (_calls) { _calls.Add(new RecordedCall(request.Method, path, request.QueryString.Value ?? "", headers, body, stream)); }

        if (route.Operation == Operation.None)
        {
            await WriteErrorAsync(context, 404, NotFoundMessage(request.Method, path), retryAfter: null, context.RequestAborted);
            return;
        }
        var reply = _replies.TryDequeue(out var queued) ? queued : FakeReply.Default;
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var exchange = new Exchange(context, body, reply, route, aborted.Token);
        var streaming = stream && reply.Status == 200;
        if (streaming) { Interlocked.Increment(ref _activeStreams); }
        try
        {
            if (reply.FirstByteDelay > TimeSpan.Zero) { await Task.Delay(reply.FirstByteDelay, aborted.Token); }
            if (reply.Status != 200) { await WriteErrorAsync(context, reply.Status, message: null, reply.RetryAfter, aborted.Token); }
            else if (streaming) { await StreamAsync(exchange); }
            else { await AnswerAsync(exchange); }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && aborted.IsCancellationRequested)
        {
            // The client went away, or the fake is stopping: nothing more to write.
            context.Abort();
        }
        finally
        {
            if (streaming) { Interlocked.Decrement(ref _activeStreams); }
        }
    }

    private Route Match(string method, string path, IQueryCollection query) => Wire switch
    {
        AiWire.OpenAI => MatchOpenAi(method, path),
        AiWire.AzureOpenAI => MatchAzure(method, path),
        AiWire.Anthropic => method == "POST" && path == "/v1/messages" ? new Route(Operation.Chat) : default,
        _ => MatchGemini(method, path, query),
    };

    private string NotFoundMessage(string method, string path) => Wire switch
    {
        AiWire.OpenAI => $"Invalid URL ({method} {path})",
        AiWire.AzureOpenAI => "Resource not found",
        AiWire.Anthropic => "Not found",
        _ => $"The requested URL {path} was not found on this server.",
    };

    private Task WriteErrorAsync(HttpContext context, int status, string? message, TimeSpan? retryAfter, CancellationToken aborted)
    {
        if (retryAfter is { } wait) { context.Response.Headers["retry-after"] = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(); }
        var body = Wire switch
        {
            AiWire.OpenAI => OpenAiError(status, message),
            AiWire.AzureOpenAI => AzureError(status, message),
            AiWire.Anthropic => AnthropicError(context, status, message),
            _ => GeminiError(status, message, retryAfter),
        };
        return WriteJsonAsync(context, status, body, aborted);
    }

    private Task AnswerAsync(Exchange x) => Wire switch
    {
        AiWire.OpenAI or AiWire.AzureOpenAI => AnswerOpenAiAsync(x),
        AiWire.Anthropic => AnswerAnthropicAsync(x),
        _ => AnswerGeminiAsync(x),
    };

    private Task StreamAsync(Exchange x) => Wire switch
    {
        AiWire.OpenAI or AiWire.AzureOpenAI => StreamOpenAiAsync(x),
        AiWire.Anthropic => StreamAnthropicAsync(x),
        _ => StreamGeminiAsync(x),
    };

    private Plan PlanFor(FakeReply reply, string requestedModel, IEnumerable<string> messageTexts)
    {
        var text = reply.Text == FakeReply.WireGreeting ? FakeReply.Greeting(Wire) : reply.Text;
        var pieces = reply.ToolCall is { } call ? Chunks(call.ArgumentsJson, 10) : Words(text);
        var input = reply.InputTokens ?? messageTexts.Sum(m => CountWords(m) + 2);
        return new Plan(reply.Model ?? requestedModel, text, pieces, reply.ToolCall, input, reply.OutputTokens ?? pieces.Count, !reply.OmitUsage);
    }

    private string NextId(string prefix) => $"{prefix}{Interlocked.Increment(ref _ids):D6}";

    private static long Created() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The words of <paramref name="text"/>, each with the whitespace before it, so they join back to the text.</summary>
    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length;)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) { i++; }
            while (i < text.Length && !char.IsWhiteSpace(text[i])) { i++; }
            if (i > start && !string.IsNullOrWhiteSpace(text[start..i])) { words.Add(text[start..i]); start = i; }
        }
        if (start < text.Length)
        {
            // Trailing whitespace rides on the last word (or is the only piece of a blank text).
            if (words.Count > 0) { words[^1] += text[start..]; } else { words.Add(text[start..]); }
        }
        return words;
    }

    private static List<string> Chunks(string text, int size) =>
        Enumerable.Range(0, (text.Length + size - 1) / size).Select(i => text.Substring(i * size, Math.Min(size, text.Length - i * size))).ToList();

    private static int CountWords(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

    private static bool IsTrue(JsonNode? node) => node is JsonValue value && value.TryGetValue(out bool flag) && flag;

    private static string? StringOf(JsonNode? node) => node is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    /// <summary>The "text" of each part in a parts or content-blocks array (or the node itself when it is a string).</summary>
    private static string TextOf(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue(out string? text) => text,
        JsonArray parts => string.Join(" ", parts.Select(p => StringOf(p?["text"]) ?? TextOf(p?["content"])).Where(t => !string.IsNullOrEmpty(t))),
        _ => "",
    };

    /// <summary>Tool arguments as a JSON object (Anthropic's input, Gemini's args); an object even if the test's JSON is not one.</summary>
    private static JsonObject ArgumentsObject(string json)
    {
        try { return JsonNode.Parse(json) as JsonObject ?? new JsonObject(); }
        catch (JsonException) { return new JsonObject(); }
    }

    private static async Task<JsonObject?> ReadBodyAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) { return null; }
        try { return JsonNode.Parse(text) as JsonObject; }
        catch (JsonException) { return null; }
    }

    private static Task WriteJsonAsync(HttpContext context, int status, JsonNode body, CancellationToken aborted)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString(), aborted);
    }

    /// <summary>
    /// Writes a streamed answer event by event: waits <see cref="FakeReply.EventDelay"/> between events, flushes each,
    /// and aborts the connection once <see cref="FakeReply.BreakAfterEvents"/> have gone out (later writes are dropped).
    /// </summary>
    private sealed class EventWriter(Exchange x)
    {
        private int _events;
        private bool _broken;

        public async Task StartAsync(string contentType)
        {
            var response = x.Context.Response;
            response.ContentType = contentType;
            response.Headers.CacheControl = "no-cache";
            await response.StartAsync(x.Aborted);
            await response.Body.FlushAsync(x.Aborted);
            await BreakIfDueAsync();
        }

        public async Task EventAsync(string frame)
        {
            if (_broken) { return; }
            if (_events > 0 && x.Reply.EventDelay > TimeSpan.Zero) { await Task.Delay(x.Reply.EventDelay, x.Aborted); }
            await x.Context.Response.WriteAsync(frame, x.Aborted);
            await x.Context.Response.Body.FlushAsync(x.Aborted);
            _events++;
            await BreakIfDueAsync();
        }

        /// <summary>Text that is not an event of its own (the closing bracket of Gemini's JSON-array stream).</summary>
        public async Task RawAsync(string text)
        {
            if (_broken) { return; }
            await x.Context.Response.WriteAsync(text, x.Aborted);
            await x.Context.Response.Body.FlushAsync(x.Aborted);
        }

        private async Task BreakIfDueAsync()
        {
            if (x.Reply.BreakAfterEvents is not { } limit || _events < limit) { return; }
            _broken = true;
            // A flush hands the bytes to Kestrel's transport, not yet to the socket, and an abort drops what the
            // transport has not sent: wait until the events are surely on the wire, so the client sees all of them.
            await Task.Delay(100, CancellationToken.None);
            x.Context.Abort();
        }
    }
}
