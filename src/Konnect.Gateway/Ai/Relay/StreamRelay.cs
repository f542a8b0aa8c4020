using System.Text;
using System.Text.Json.Nodes;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai.Formats;
using Konnect.Gateway.Ai.Providers;
using Konnect.Gateway.Ai.Tokens;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>
/// Relays a provider's event stream to the client as it arrives, one provider event at a time, each flushed before
/// the next is read. The provider's events become hub chunks (OpenAI chat.completion.chunk), and those become the
/// front's events; when provider and front speak the same format, the provider's own event text goes out.
/// Usage is taken from the stream (the gateway always asks OpenAI-style providers for the usage chunk, and drops it
/// when the client did not ask); without one, the text seen is counted and the figure marked estimated.
/// </summary>
internal sealed class StreamRelay
{
    private readonly AiCall _call;
    private readonly SseWriter _writer;
    private readonly bool _anthropicFront;
    private readonly bool _passThrough;
    private readonly AnthropicStreamToChat? _fromAnthropic;
    private readonly GeminiStreamToChat? _fromGemini;
    private readonly ChatStreamToAnthropic? _toAnthropic;
    private readonly List<JsonObject> _chunks = [];
    private readonly List<(string Event, JsonObject Data)> _events = [];
    private readonly StringBuilder _text = new();
    private TokenUsage? _usage;
    private JsonObject? _usageChunk;

    private StreamRelay(HttpContext context, AiCall call, AiProviderType type, string model)
    {
        _call = call;
        _writer = new SseWriter(context.Response);
        _anthropicFront = call.Front == AiFront.AnthropicMessages;
        _passThrough = _anthropicFront ? type == AiProviderType.Anthropic : type is not (AiProviderType.Anthropic or AiProviderType.Gemini);
        _fromAnthropic = type == AiProviderType.Anthropic ? new AnthropicStreamToChat(includeUsage: true) : null;
        _fromGemini = type == AiProviderType.Gemini ? new GeminiStreamToChat(model, includeUsage: true) : null;
        _toAnthropic = _anthropicFront && !_passThrough ? new ChatStreamToAnthropic(call.RequestedModel) : null;
    }

    /// <returns>False when the provider's stream failed before anything reached the client: nothing was written, and
    /// the caller may try the next target.</returns>
    public static async Task<bool> RelayAsync(HttpContext context, AiCall call, ProviderAnswer answer)
    {
        var relay = new StreamRelay(context, call, answer.Provider.Model.Type, answer.Model);
        var aborted = context.RequestAborted;
        string? failure = null;
        await using var stream = await answer.Response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
        using var reader = new SseReader(stream);
        try
        {
            var done = false;
            while (!done)
            {
                while (reader.TryRead(out var data))
                {
                    if (relay._fromAnthropic is null && relay._fromGemini is null && data.SequenceEqual("[DONE]"u8)) { done = true; break; }
                    relay.OnEvent(reader.EventType, data);
                }
                if (done) { break; }
                // Flushed before any read that would wait: what arrived so far is with the client before the gateway waits
                // for more, and what arrived together leaves together.
                var more = reader.ReadMoreAsync(aborted);
                if (!more.IsCompleted) { await relay._writer.FlushAsync(aborted).ConfigureAwait(false); }
                done = !await more.ConfigureAwait(false);
            }
            relay.EndOfStream();
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ProviderStreamException or System.Text.Json.JsonException && !aborted.IsCancellationRequested)
        {
            failure = e is ProviderStreamException ? e.Message : $"the stream from provider {answer.Provider.Model.Name} broke off";
        }

        call.Usage = relay._usage ?? new TokenUsage(call.InputTokens, PromptTokens.CountText(relay._text.ToString(), answer.Model), Estimated: true);
        if (failure is null)
        {
            relay.Complete();
        }
        else
        {
            call.Error = failure;
            // Nothing reached the client yet: failing over is still invisible to it.
            if (!relay._writer.Started) { return false; }
            relay.WriteError(failure);
        }
        await relay._writer.FlushAsync(aborted).ConfigureAwait(false);
        return true;
    }

    private void OnEvent(string? eventType, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty) { return; }
        if (_fromAnthropic is null && _fromGemini is null)
        {
            OnOpenAiEvent(data);
            return;
        }
        if (JsonNode.Parse(data) is not JsonObject json) { return; }
        _chunks.Clear();
        if (_fromAnthropic is not null) { _fromAnthropic.OnEvent(eventType ?? "message", json, _chunks); }
        else
        {
            if (GeminiContents.ErrorMessage(json) is { } geminiError) { throw new ProviderStreamException(geminiError); }
            _fromGemini!.OnEvent(json, _chunks);
        }
        var forward = true;
        foreach (var chunk in _chunks) { forward &= OnChunk(chunk); }
        if (_passThrough && forward) { _writer.Write(eventType, data); }
    }

    /// <summary>
    /// An OpenAI-format event: read in one pass without a tree when it goes out unchanged; made a tree only when it is
    /// translated (to the Anthropic front).
    /// </summary>
    private void OnOpenAiEvent(ReadOnlySpan<byte> data)
    {
        if (!_passThrough)
        {
            if (JsonNode.Parse(data) is not JsonObject json) { return; }
            if (json["error"] is JsonObject openAiError) { throw new ProviderStreamException((string?)openAiError["message"] ?? "the provider reported an error"); }
            OnChunk(json);
            return;
        }
        if (!OpenAiChunk.TryRead(data, _call.ResponseModel is null, _text, out var chunk)) { return; }
        // OpenAI reports a failure inside a started stream as a data event holding an error object.
        if (chunk.Error is { } error) { throw new ProviderStreamException(error); }
        if (chunk.Usage is { } usage) { _usage = usage; }
        // The usage chunk the gateway asked for on the client's behalf is not the client's to see.
        if (chunk.UsageOnly && !_call.ClientWantsUsage) { return; }
        if (_call.TimeToFirstToken is null && chunk.HasContent) { _call.TimeToFirstToken = _call.Elapsed; }
        if (chunk.Model is { } model) { _call.ResponseModel = model; }
        _writer.Write(null, data);
    }

    /// <summary>Reads a hub chunk's figures and, for a translated stream, writes it in the front's format.</summary>
    /// <returns>False when a passed-through provider event must not reach the client.</returns>
    private bool OnChunk(JsonObject chunk)
    {
        if (OpenAiChat.IsUsageOnly(chunk))
        {
            if (_passThrough)
            {
                _usage = OpenAiChat.Usage(chunk);
                // The usage chunk the gateway asked for on the client's behalf is not the client's to see.
                return _anthropicFront || _call.ClientWantsUsage;
            }
            // A translated stream's usage chunk is written last, with the figures the call settles on.
            _usageChunk = chunk;
            return true;
        }
        if (_passThrough && OpenAiChat.Usage(chunk) is { } reported) { _usage = reported; }
        if (_call.TimeToFirstToken is null && OpenAiChat.HasContent(chunk)) { _call.TimeToFirstToken = _call.Elapsed; }
        if (_call.ResponseModel is null && chunk["model"] is JsonValue m && m.TryGetValue<string>(out var model)) { _call.ResponseModel = model; }
        OpenAiChat.AppendText(chunk, _text);
        if (_passThrough) { return true; }
        if (_toAnthropic is not null)
        {
            _events.Clear();
            _toAnthropic.OnChunk(chunk, _events);
            foreach (var (name, payload) in _events) { _writer.Write(name, payload); }
        }
        else
        {
            _writer.Write(null, chunk);
        }
        return true;
    }

    /// <summary>What a translated stream still owes once the provider's stream ended, and its own usage counters.</summary>
    private void EndOfStream()
    {
        if (_fromGemini is not null)
        {
            _chunks.Clear();
            _fromGemini.Complete(_chunks);
            foreach (var chunk in _chunks) { OnChunk(chunk); }
        }
        // A translated stream's own counters, null when the provider reported nothing (its usage chunk then says 0).
        if (_fromAnthropic is not null) { _usage = _fromAnthropic.Usage; }
        else if (_fromGemini is not null) { _usage = _fromGemini.Usage; }
    }

    private void Complete()
    {
        var usage = _call.Usage!.Value;
        if (_toAnthropic is not null)
        {
            _events.Clear();
            _toAnthropic.Complete(usage, _events);
            foreach (var (name, payload) in _events) { _writer.Write(name, payload); }
            return;
        }
        if (_anthropicFront) { return; }
        if (_usageChunk is not null && _call.ClientWantsUsage)
        {
            _usageChunk["usage"] = new JsonObject { ["prompt_tokens"] = usage.Input, ["completion_tokens"] = usage.Output, ["total_tokens"] = usage.Total };
            _writer.Write(null, _usageChunk);
        }
        _writer.Write(null, "[DONE]"u8);
    }

    /// <summary>A stream that broke after it started: the error goes out as an event of the front's own kind, then the stream ends.</summary>
    private void WriteError(string message)
    {
        if (_anthropicFront)
        {
            _writer.Write("error", AnthropicErrors.Body(502, message));
            return;
        }
        var error = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error", ["param"] = null, ["code"] = "provider-stream-broken" },
        };
        _writer.Write(null, error);
    }
}
