using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.GeminiJson;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>
/// streamGenerateContent (alt=sse) events as OpenAI chat.completion.chunk objects. Each event is translated when it
/// arrives, so the client sees text as Gemini writes it. Every Gemini event is a whole GenerateContentResponse holding
/// the new parts only; a function call always comes whole in one part, so it becomes one complete tool_calls delta.
/// Error events ({"error":...}) are for the caller to notice (<see cref="GeminiContents.ErrorMessage"/>) before this.
/// </summary>
internal sealed class GeminiStreamToChat(string model, bool includeUsage)
{
    private readonly long _created = UnixNow();
    private readonly SortedDictionary<long, Choice> _choices = [];
    private string? _id;
    private string _model = model;
    private GeminiContents.CallIds? _callIds;
    private JsonObject? _usage;
    private bool _completed;

    /// <summary>The latest usageMetadata seen; Gemini repeats it, growing, in each event.</summary>
    public TokenUsage? Usage { get; private set; }

    private string Id => _id ??= "chatcmpl-" + RandomId();

    public void OnEvent(JsonObject data, List<JsonObject> chunks)
    {
        var responseId = Str(data["responseId"]);
        if (responseId is not null) { _id ??= "chatcmpl-" + responseId; }
        _callIds ??= new GeminiContents.CallIds(responseId);
        if (Str(data["modelVersion"]) is { } version) { _model = version; }
        if (GeminiContents.Usage(data) is { } usage)
        {
            Usage = usage;
            _usage = GeminiContents.UsageObject(data);
        }

        if (data["candidates"] is JsonArray candidates)
        {
            for (var c = 0; c < candidates.Count; c++)
            {
                if (candidates[c] is not JsonObject candidate) { continue; }
                var choice = Start(Count(candidate["index"]) ?? c, chunks);
                if (choice.Finished) { continue; }
                foreach (var part in GeminiContents.Parts(candidate))
                {
                    if (GeminiContents.VisibleText(part) is { Length: > 0 } text)
                    {
                        chunks.Add(Chunk(choice.Index, new JsonObject { ["content"] = text }, null));
                    }
                    else if (part["functionCall"] is JsonObject call)
                    {
                        var toolCall = GeminiContents.ToolCall(part, call, _callIds.Next(call), choice.ToolCalls++);
                        chunks.Add(Chunk(choice.Index, new JsonObject { ["tool_calls"] = new JsonArray(toolCall) }, null));
                    }
                }
                if (GeminiContents.FinishReason(Str(candidate["finishReason"]), choice.ToolCalls > 0) is { } reason)
                {
                    Finish(choice, reason, chunks);
                }
            }
        }
        else if (GeminiContents.PromptBlocked(data))
        {
            // Gemini refused the prompt itself: no candidate will come.
            var choice = Start(0, chunks);
            if (!choice.Finished) { Finish(choice, "content_filter", chunks); }
        }
    }

    /// <summary>Ends the stream: a finish_reason for each choice still open, then the usage chunk when the client asked for it.</summary>
    public void Complete(List<JsonObject> chunks)
    {
        if (_completed) { return; }
        _completed = true;
        // A stream that ended before any candidate still ends, for the client, like a stream.
        if (_choices.Count == 0) { Start(0, chunks); }
        foreach (var choice in _choices.Values.Where(c => !c.Finished).ToList())
        {
            Finish(choice, choice.ToolCalls > 0 ? "tool_calls" : "stop", chunks);
        }
        if (!includeUsage) { return; }
        chunks.Add(new JsonObject
        {
            ["id"] = Id,
            ["object"] = "chat.completion.chunk",
            ["created"] = _created,
            ["model"] = _model,
            ["choices"] = new JsonArray(),
            ["usage"] = _usage?.DeepClone() ?? new JsonObject { ["prompt_tokens"] = 0, ["completion_tokens"] = 0, ["total_tokens"] = 0 },
        });
    }

    /// <summary>The choice for a candidate index, opened with the assistant role delta the first time it is seen.</summary>
    private Choice Start(long index, List<JsonObject> chunks)
    {
        if (_choices.TryGetValue(index, out var choice)) { return choice; }
        choice = new Choice(index);
        _choices.Add(index, choice);
        chunks.Add(Chunk(index, new JsonObject { ["role"] = "assistant" }, null));
        return choice;
    }

    private void Finish(Choice choice, string reason, List<JsonObject> chunks)
    {
        choice.Finished = true;
        chunks.Add(Chunk(choice.Index, new JsonObject(), reason));
    }

    private JsonObject Chunk(long index, JsonObject delta, string? finishReason) => new()
    {
        ["id"] = Id,
        ["object"] = "chat.completion.chunk",
        ["created"] = _created,
        ["model"] = _model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = index,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        }),
    };

    private sealed class Choice(long index)
    {
        public long Index { get; } = index;
        public bool Finished { get; set; }
        public int ToolCalls { get; set; }
    }
}
