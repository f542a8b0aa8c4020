using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Konnect.Bench.Ai;

/// <summary>One streamed answer as the client saw it.</summary>
/// <param name="FirstTokenMs">Send to the first data event carrying non-empty delta content.</param>
/// <param name="DataEvents">Every data event, [DONE] included.</param>
/// <param name="ContentEvents">Data events whose delta content is non-empty.</param>
/// <param name="Arrivals">When each content event was read, ms after the send (kept only when asked).</param>
internal sealed record StreamResult(double FirstTokenMs, double TotalMs, int DataEvents, int ContentEvents, string Text, bool Done, List<double>? Arrivals);

/// <summary>
/// The bench's OpenAI client: one keep-alive connection pool for every call, direct or through Konnect, so both pay
/// the same client costs. Bodies are serialized once beforehand; timing covers the send to the last byte read.
/// </summary>
internal sealed class AiClient : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        // One call at a time per origin: each keeps one warm connection for the whole run.
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The chat request as JSON bytes: a system message and the prompt; streamed or not.</summary>
    public static byte[] Body(string model, string prompt, bool stream) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["model"] = model,
        // As the policy's cap, so Konnect forwards the body without changing it and both paths ask the same.
        ["max_tokens"] = Children.MaxTokens,
        ["stream"] = stream,
        ["messages"] = new[]
        {
            new Dictionary<string, string> { ["role"] = "system", ["content"] = "You are a concise assistant to a project steering group." },
            new Dictionary<string, string> { ["role"] = "user", ["content"] = prompt },
        },
    });

    /// <summary>A non-streamed call: send to the whole body read, in ms; the body is returned for checks.</summary>
    public async Task<(double Ms, byte[] Body)> CompleteAsync(Uri url, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) { Headers = { ContentType = Json } } };
        var start = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK) { throw Failed(url, response, bytes); }
        return (ms, bytes);
    }

    /// <summary>A streamed call, read line by line as the events arrive.</summary>
    public async Task<StreamResult> StreamAsync(Uri url, byte[] body, bool keepArrivals = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) { Headers = { ContentType = Json } } };
        request.Headers.Accept.Add(EventStream);
        var start = Stopwatch.GetTimestamp();
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK) { throw Failed(url, response, await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false)); }
        await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        // A small buffer: ReadLineAsync returns a line as soon as the bytes holding it are read, never waiting to fill it.
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096);
        var (firstToken, dataEvents, contentEvents, done) = (double.NaN, 0, 0, false);
        var text = new StringBuilder();
        var arrivals = keepArrivals ? new List<double>() : null;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            // The clock is read before the event is parsed, so parsing costs both paths the same and times neither.
            var at = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!line.StartsWith("data:", StringComparison.Ordinal)) { continue; }
            dataEvents++;
            var data = line.AsSpan(5).TrimStart(' ');
            if (data.SequenceEqual("[DONE]"))
            {
                done = true;
                continue;
            }
            if (DeltaContent(data) is not { Length: > 0 } content) { continue; }
            contentEvents++;
            if (double.IsNaN(firstToken)) { firstToken = at; }
            arrivals?.Add(at);
            text.Append(content);
        }
        return new StreamResult(firstToken, Stopwatch.GetElapsedTime(start).TotalMilliseconds, dataEvents, contentEvents, text.ToString(), done, arrivals);
    }

    /// <summary>choices[0].delta.content of a chat.completion.chunk, or null.</summary>
    private static string? DeltaContent(ReadOnlySpan<char> data)
    {
        using var chunk = JsonDocument.Parse(data.ToString());
        return chunk.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            ? content.GetString() : null;
    }

    private static InvalidOperationException Failed(Uri url, HttpResponseMessage response, byte[] body)
    {
        var text = Encoding.UTF8.GetString(body);
        return new InvalidOperationException($"POST {url} answered {(int)response.StatusCode}: {(text.Length > 500 ? text[..500] + "…" : text)}");
    }

    public void Dispose() => _http.Dispose();
}
