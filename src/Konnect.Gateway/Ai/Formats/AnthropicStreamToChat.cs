using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.AnthropicJson;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>
/// Turns the events of an Anthropic Messages stream into OpenAI chat.completion.chunk objects, each event as it arrives,
/// so the client sees tokens as soon as Anthropic sends them.
/// </summary>
internal sealed class AnthropicStreamToChat(bool includeUsage, TimeProvider? time = null)
{
    private readonly long _created = UnixNow(time);
    // OpenAI numbers tool calls from 0 among tool calls; Anthropic numbers content blocks of every kind.
    private readonly Dictionary<long, int> _toolByBlock = [];
    private string _id = ChatId(null);
    private string _model = "";
    private long? _input;
    private long? _output;

    public TokenUsage? Usage => _input is null && _output is null ? null : new TokenUsage(_input ?? 0, _output ?? 0);

    public bool Completed { get; private set; }

    /// <summary>Appends the chunks one event gives. An error event throws <see cref="ProviderStreamException"/>.</summary>
    public void OnEvent(string eventType, JsonObject data, List<JsonObject> chunks)
    {
        // The data repeats the event name; a relay that drops the event: line still leaves it there.
        var type = string.IsNullOrEmpty(eventType) ? String(data, "type") : eventType;
        switch (type)
        {
            case "message_start":
                OnMessageStart(data["message"] as JsonObject, chunks);
                break;
            case "content_block_start":
                OnBlockStart(Long(data, "index") ?? -1, data["content_block"] as JsonObject, chunks);
                break;
            case "content_block_delta":
                OnBlockDelta(Long(data, "index") ?? -1, data["delta"] as JsonObject, chunks);
                break;
            case "message_delta":
                OnMessageDelta(data, chunks);
                break;
            case "message_stop":
                Completed = true;
                if (includeUsage)
                    chunks.Add(UsageChunk());
                break;
            case "error":
                var error = data["error"] as JsonObject;
                throw new ProviderStreamException(String(error, "message") ?? "Anthropic ended the stream with an error.", String(error, "type"));
            default:
                // ping, content_block_stop, and event types Anthropic may add: nothing for the client.
                break;
        }
    }

    private void OnMessageStart(JsonObject? message, List<JsonObject> chunks)
    {
        if (String(message, "id") is { } id)
            _id = ChatId(id);
        _model = String(message, "model") ?? _model;
        if (message?["usage"] is JsonObject usage)
        {
            _input = InputTokens(usage);
            _output = Long(usage, "output_tokens") ?? _output;
        }
        chunks.Add(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }));
    }

    private void OnBlockStart(long index, JsonObject? block, List<JsonObject> chunks)
    {
        switch (String(block, "type"))
        {
            case "text" when String(block, "text") is { Length: > 0 } text:
                chunks.Add(Chunk(new JsonObject { ["content"] = text }));
                break;
            case "tool_use":
                var tool = _toolByBlock.Count;
                _toolByBlock[index] = tool;
                // The input comes as input_json_delta fragments; a start that already carries some keeps it.
                var input = block!["input"] is JsonObject { Count: > 0 } given ? given.ToJsonString() : "";
                chunks.Add(Chunk(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["index"] = tool,
                        ["id"] = String(block, "id"),
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = String(block, "name"), ["arguments"] = input },
                    }),
                }));
                break;
            default:
                // Thinking and server tool blocks do not reach a chat client.
                break;
        }
    }

    private void OnBlockDelta(long index, JsonObject? delta, List<JsonObject> chunks)
    {
        switch (String(delta, "type"))
        {
            case "text_delta" when String(delta, "text") is { Length: > 0 } text:
                chunks.Add(Chunk(new JsonObject { ["content"] = text }));
                break;
            case "input_json_delta" when _toolByBlock.TryGetValue(index, out var tool) && String(delta, "partial_json") is { Length: > 0 } json:
                chunks.Add(Chunk(new JsonObject
                {
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["index"] = tool,
                        ["function"] = new JsonObject { ["arguments"] = json },
                    }),
                }));
                break;
            default:
                // thinking_delta, signature_delta, citations_delta: nothing a chat chunk can carry.
                break;
        }
    }

    private void OnMessageDelta(JsonObject data, List<JsonObject> chunks)
    {
        // message_delta counts are cumulative, so the latest is the total.
        if (data["usage"] is JsonObject usage)
        {
            _output = Long(usage, "output_tokens") ?? _output;
            if (usage["input_tokens"] is not null)
                _input = InputTokens(usage);
        }
        if (String(data["delta"] as JsonObject, "stop_reason") is { } stopReason)
            chunks.Add(Chunk(new JsonObject(), FinishReason(stopReason)));
    }

    private JsonObject Chunk(JsonObject delta, string? finishReason = null)
    {
        var chunk = Head();
        chunk["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        });
        // As OpenAI does when asked for usage: every chunk names the field, only the last one fills it.
        if (includeUsage)
            chunk["usage"] = null;
        return chunk;
    }

    private JsonObject UsageChunk()
    {
        var chunk = Head();
        chunk["choices"] = new JsonArray();
        chunk["usage"] = ChatUsage(_input ?? 0, _output ?? 0);
        return chunk;
    }

    private JsonObject Head() => new()
    {
        ["id"] = _id,
        ["object"] = "chat.completion.chunk",
        ["created"] = _created,
        ["model"] = _model,
    };
}
