using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json.Nodes;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai.Formats;
using Konnect.Gateway.Ai.Providers;
using Konnect.Gateway.Ai.Tokens;
using Konnect.Gateway.Errors;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>
/// Relays a provider's event stream to the client as it arrives, one provider event at a time, each flushed before
/// the next is read. The provider's events become hub chunks (OpenAI chat.completion.chunk), and those become the
/// front's events; when provider and front speak the same format, the provider's own event text goes out.
/// Usage is taken from the stream (the gateway always asks OpenAI-style providers for the usage chunk, and drops it
/// when the client did not ask); without one, the text seen is counted and the figure marked estimated.
/// </summary>
internal static class StreamRelay
{
    /// <returns>False when the provider's stream failed before anything reached the client: nothing was written, and
    /// the caller may try the next target.</returns>
    public static async Task<bool> RelayAsync(HttpContext context, AiCall call, ProviderAnswer answer)
    {
        var aborted = context.RequestAborted;
        var writer = new SseWriter(context.Response);
        var type = answer.Provider.Model.Type;
        var anthropicFront = call.Front == AiFront.AnthropicMessages;
        var passThrough = anthropicFront ? type == AiProviderType.Anthropic : type is not (AiProviderType.Anthropic or AiProviderType.Gemini);
        var fromAnthropic = type == AiProviderType.Anthropic ? new AnthropicStreamToChat(includeUsage: true) : null;
        var fromGemini = type == AiProviderType.Gemini ? new GeminiStreamToChat(answer.Model, includeUsage: true) : null;
        var toAnthropic = anthropicFront && !passThrough ? new ChatStreamToAnthropic(call.RequestedModel) : null;
        var chunks = new List<JsonObject>();
        var events = new List<(string Event, JsonObject Data)>();
        var text = new StringBuilder();
        TokenUsage? usage = null;
        JsonObject? usageChunk = null;
        string? failure = null;

        await using var stream = await answer.Response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
        try
        {
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(aborted).ConfigureAwait(false))
            {
                if (type is not (AiProviderType.Anthropic or AiProviderType.Gemini) && item.Data == "[DONE]") { break; }
                if (item.Data.Length == 0 || JsonNode.Parse(item.Data) is not JsonObject data) { continue; }
                chunks.Clear();
                if (fromAnthropic is not null) { fromAnthropic.OnEvent(item.EventType, data, chunks); }
                else if (fromGemini is not null)
                {
                    if (GeminiContents.ErrorMessage(data) is { } geminiError) { throw new ProviderStreamException(geminiError); }
                    fromGemini.OnEvent(data, chunks);
                }
                else
                {
                    // OpenAI reports a failure inside a started stream as a data event holding an error object.
                    if (data["error"] is JsonObject { } openAiError) { throw new ProviderStreamException((string?)openAiError["message"] ?? "the provider reported an error"); }
                    chunks.Add(data);
                }

                var dropRaw = false;
                foreach (var chunk in chunks)
                {
                    if (!passThrough && OpenAiChat.IsUsageOnly(chunk))
                    {
                        // A translated stream's usage chunk is written last, with the figures the call settles on.
                        usageChunk = chunk;
                        continue;
                    }
                    if (OpenAiChat.Usage(chunk) is { } reported) { usage = reported; }
                    if (call.TimeToFirstToken is null && OpenAiChat.HasContent(chunk)) { call.TimeToFirstToken = call.Elapsed; }
                    if (call.ResponseModel is null && chunk["model"] is JsonValue m && m.TryGetValue<string>(out var model)) { call.ResponseModel = model; }
                    OpenAiChat.AppendText(chunk, text);
                    if (passThrough)
                    {
                        // The usage chunk the gateway asked for on the client's behalf is not the client's to see.
                        if (!anthropicFront && !call.ClientWantsUsage && OpenAiChat.IsUsageOnly(chunk)) { dropRaw = true; }
                        continue;
                    }
                    if (toAnthropic is not null)
                    {
                        events.Clear();
                        toAnthropic.OnChunk(chunk, events);
                        foreach (var (name, payload) in events) { await writer.WriteAsync(name, payload.ToJsonString(), aborted).ConfigureAwait(false); }
                    }
                    else if (call.ClientWantsUsage || !OpenAiChat.IsUsageOnly(chunk))
                    {
                        await writer.WriteAsync(null, chunk.ToJsonString(), aborted).ConfigureAwait(false);
                    }
                }
                if (passThrough && !dropRaw)
                {
                    await writer.WriteAsync(anthropicFront ? item.EventType : null, item.Data, aborted).ConfigureAwait(false);
                }
            }
            if (fromGemini is not null)
            {
                chunks.Clear();
                fromGemini.Complete(chunks);
                foreach (var chunk in chunks)
                {
                    if (OpenAiChat.IsUsageOnly(chunk))
                    {
                        usageChunk = chunk;
                        continue;
                    }
                    if (toAnthropic is not null)
                    {
                        events.Clear();
                        toAnthropic.OnChunk(chunk, events);
                        foreach (var (name, payload) in events) { await writer.WriteAsync(name, payload.ToJsonString(), aborted).ConfigureAwait(false); }
                    }
                    else if (call.ClientWantsUsage || !OpenAiChat.IsUsageOnly(chunk))
                    {
                        await writer.WriteAsync(null, chunk.ToJsonString(), aborted).ConfigureAwait(false);
                    }
                }
            }
            // A translated stream's own counters, null when the provider reported nothing (its usage chunk then says 0).
            if (fromAnthropic is not null) { usage = fromAnthropic.Usage; }
            else if (fromGemini is not null) { usage = fromGemini.Usage; }
        }
        catch (Exception e) when (e is IOException or HttpRequestException or ProviderStreamException or System.Text.Json.JsonException && !aborted.IsCancellationRequested)
        {
            failure = e is ProviderStreamException ? e.Message : $"the stream from provider {answer.Provider.Model.Name} broke off";
        }

        call.Usage = usage ?? new TokenUsage(call.CountedInputTokens, PromptTokens.CountText(text.ToString(), answer.Model), Estimated: true);
        if (failure is not null)
        {
            call.Error = failure;
            if (!writer.Started)
            {
                // Nothing reached the client yet: failing over is still invisible to it.
                return false;
            }
            await WriteErrorAsync(writer, call, failure, aborted).ConfigureAwait(false);
            return true;
        }
        if (toAnthropic is not null)
        {
            events.Clear();
            toAnthropic.Complete(call.Usage, events);
            foreach (var (name, payload) in events) { await writer.WriteAsync(name, payload.ToJsonString(), aborted).ConfigureAwait(false); }
        }
        else if (!anthropicFront)
        {
            if (usageChunk is not null && call.ClientWantsUsage)
            {
                usageChunk["usage"] = new JsonObject
                {
                    ["prompt_tokens"] = call.Usage.Value.Input,
                    ["completion_tokens"] = call.Usage.Value.Output,
                    ["total_tokens"] = call.Usage.Value.Total,
                };
                await writer.WriteAsync(null, usageChunk.ToJsonString(), aborted).ConfigureAwait(false);
            }
            await writer.WriteAsync(null, "[DONE]", aborted).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>A stream that broke after it started: the error goes out as an event of the front's own kind, then the stream ends.</summary>
    private static Task WriteErrorAsync(SseWriter writer, AiCall call, string message, CancellationToken aborted)
    {
        if (call.Front == AiFront.AnthropicMessages)
        {
            return writer.WriteAsync("error", AnthropicErrors.Body(502, message).ToJsonString(), aborted);
        }
        var error = new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = "server_error", ["param"] = null, ["code"] = "provider-stream-broken" },
        };
        return writer.WriteAsync(null, error.ToJsonString(), aborted);
    }
}
