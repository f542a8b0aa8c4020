using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.AnthropicJson;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>
/// Turns OpenAI chat.completion.chunk objects into the events of an Anthropic Messages stream for a /v1/messages client,
/// each chunk as it arrives. One content block is open at a time, as Anthropic streams them.
/// </summary>
internal sealed class ChatStreamToAnthropic(string model)
{
    private const string Text = "text";
    private const string ToolUse = "tool_use";

    // An OpenAI tool call index to its content block and the id it started with.
    private readonly Dictionary<long, (int Block, string Id)> _tools = [];
    private bool _started;
    private bool _completed;
    private int _blocks;
    private int _openBlock = -1;
    private string? _openType;
    private string? _stopReason;
    private TokenUsage? _chunkUsage;

    public void OnChunk(JsonObject chunk, List<(string Event, JsonObject Data)> events)
    {
        if (_completed)
            return;
        Start(String(chunk, "id"), events);
        if (chunk["usage"] is JsonObject usage)
            _chunkUsage = new TokenUsage(Long(usage, "prompt_tokens") ?? 0, Long(usage, "completion_tokens") ?? 0);

        // A /v1/messages request never asks for several choices; the first is the answer.
        var choice = (chunk["choices"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (Long(c, "index") ?? 0) == 0);
        if (choice is null)
            return;
        if (choice["delta"] is JsonObject delta)
        {
            if (String(delta, "content") is { Length: > 0 } text)
                AddText(text, events);
            if (String(delta, "refusal") is { Length: > 0 } refusal)
                AddText(refusal, events);
            if (delta["tool_calls"] is JsonArray toolCalls)
            {
                for (var k = 0; k < toolCalls.Count; k++)
                {
                    if (toolCalls[k] is JsonObject call)
                        AddToolCall(Long(call, "index") ?? k, call, events);
                }
            }
        }
        if (String(choice, "finish_reason") is { } finishReason)
            _stopReason = StopReason(finishReason);
    }

    /// <summary>
    /// Ends the message: closes the open block, then message_delta and message_stop. <paramref name="usage"/> wins over
    /// what the chunks reported (the caller may have counted tokens itself).
    /// </summary>
    public void Complete(TokenUsage? usage, List<(string Event, JsonObject Data)> events)
    {
        if (_completed)
            return;
        Start(null, events);
        CloseBlock(events);
        var tokens = usage ?? _chunkUsage ?? new TokenUsage(0, 0);
        events.Add(("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = _stopReason ?? "end_turn", ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["input_tokens"] = tokens.Input, ["output_tokens"] = tokens.Output },
        }));
        events.Add(("message_stop", new JsonObject { ["type"] = "message_stop" }));
        _completed = true;
    }

    private void Start(string? chatId, List<(string Event, JsonObject Data)> events)
    {
        if (_started)
            return;
        _started = true;
        // Usage is unknown until the end; Anthropic clients take the totals from message_delta.
        events.Add(("message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = MessageId(chatId),
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = new JsonArray(),
                ["stop_reason"] = null,
                ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = 0, ["output_tokens"] = 0 },
            },
        }));
    }

    private void AddText(string text, List<(string Event, JsonObject Data)> events)
    {
        if (_openType != Text)
            OpenBlock(Text, new JsonObject { ["type"] = Text, ["text"] = "" }, events);
        events.Add(("content_block_delta", new JsonObject
        {
            ["type"] = "content_block_delta",
            ["index"] = _openBlock,
            ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = text },
        }));
    }

    private void AddToolCall(long index, JsonObject call, List<(string Event, JsonObject Data)> events)
    {
        var function = call["function"] as JsonObject;
        var id = String(call, "id");
        // OpenAI sends the id once, on a call's first delta; some compatible servers reuse index 0 for every call and
        // tell calls apart only by id.
        if (!_tools.TryGetValue(index, out var tool) || (id is not null && id != tool.Id))
        {
            id ??= "toolu_" + NewSuffix();
            OpenBlock(ToolUse, new JsonObject
            {
                ["type"] = ToolUse,
                ["id"] = id,
                ["name"] = String(function, "name") ?? "",
                ["input"] = new JsonObject(),
                ["caller"] = DirectCaller(),
            }, events);
            tool = (_openBlock, id);
            _tools[index] = tool;
        }
        // A fragment for a call whose block was closed still goes to that block's index: Anthropic clients gather
        // input by index, and dropping it would corrupt the call.
        if (String(function, "arguments") is { Length: > 0 } arguments)
        {
            events.Add(("content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta",
                ["index"] = tool.Block,
                ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = arguments },
            }));
        }
    }

    private void OpenBlock(string type, JsonObject contentBlock, List<(string Event, JsonObject Data)> events)
    {
        CloseBlock(events);
        _openBlock = _blocks++;
        _openType = type;
        events.Add(("content_block_start", new JsonObject
        {
            ["type"] = "content_block_start",
            ["index"] = _openBlock,
            ["content_block"] = contentBlock,
        }));
    }

    private void CloseBlock(List<(string Event, JsonObject Data)> events)
    {
        if (_openType is null)
            return;
        events.Add(("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = _openBlock }));
        _openType = null;
    }
}
