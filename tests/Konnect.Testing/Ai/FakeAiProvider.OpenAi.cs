using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Konnect.Testing.Ai;

// OpenAI Chat Completions, Embeddings and Models, and Azure OpenAI's deployment paths for the same bodies.
public sealed partial class FakeAiProvider
{
    private static readonly string[] ListedModels = ["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"];

    private static Route MatchOpenAi(string method, string path) => (method, path) switch
    {
        ("POST", "/v1/chat/completions") => new Route(Operation.Chat),
        ("POST", "/v1/embeddings") => new Route(Operation.Embeddings),
        ("GET", "/v1/models") => new Route(Operation.Models),
        ("GET", _) when path.StartsWith("/v1/models/", StringComparison.Ordinal) && path.Length > "/v1/models/".Length
            => new Route(Operation.Model, path["/v1/models/".Length..]),
        _ => default,
    };

    private static Route MatchAzure(string method, string path)
    {
        // /openai/deployments/{deployment}/chat/completions or /openai/deployments/{deployment}/embeddings
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (method != "POST" || segments.Length < 4 || segments[0] != "openai" || segments[1] != "deployments") { return default; }
        var rest = string.Join('/', segments[3..]);
        return rest switch
        {
            "chat/completions" => new Route(Operation.Chat, segments[2]),
            "embeddings" => new Route(Operation.Embeddings, segments[2]),
            _ => default,
        };
    }

    /// <summary>The model the request names; Azure's body may name none, and then the deployment stands for it.</summary>
    private static string OpenAiModel(Exchange x, string fallback) => StringOf(x.Body?["model"]) ?? x.Route.PathModel ?? fallback;

    private static IEnumerable<string> OpenAiMessageTexts(JsonObject? body) =>
        (body?["messages"] as JsonArray ?? []).Select(m => TextOf(m?["content"]));

    private Task AnswerOpenAiAsync(Exchange x) => x.Route.Operation switch
    {
        Operation.Chat => WriteJsonAsync(x.Context, 200, OpenAiCompletion(x), x.Aborted),
        Operation.Embeddings => WriteJsonAsync(x.Context, 200, OpenAiEmbeddings(x), x.Aborted),
        Operation.Models => WriteJsonAsync(x.Context, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray([.. ListedModels.Select(id => (JsonNode)OpenAiModelObject(id))]),
        }, x.Aborted),
        _ => WriteJsonAsync(x.Context, 200, OpenAiModelObject(x.Route.PathModel!), x.Aborted),
    };

    private static JsonObject OpenAiModelObject(string id) =>
        new() { ["id"] = id, ["object"] = "model", ["created"] = 1715367049, ["owned_by"] = "system" };

    private JsonObject OpenAiCompletion(Exchange x)
    {
        var plan = PlanFor(x.Reply, OpenAiModel(x, "gpt-4o"), OpenAiMessageTexts(x.Body));
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = plan.ToolCall is null ? plan.Text : null,
            ["refusal"] = null,
            ["annotations"] = new JsonArray(),
        };
        if (plan.ToolCall is { } call)
        {
            message["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = NextId("call_fake"),
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.ArgumentsJson },
            });
        }
        var choice = new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = FinishReason(plan) };
        if (Wire == AiWire.AzureOpenAI) { choice["content_filter_results"] = new JsonObject(); }
        var completion = new JsonObject
        {
            ["id"] = NextId("chatcmpl-fake"),
            ["object"] = "chat.completion",
            ["created"] = Created(),
            ["model"] = plan.Model,
            ["choices"] = new JsonArray(choice),
            ["service_tier"] = "default",
            ["system_fingerprint"] = "fp_fake",
        };
        if (plan.Usage) { completion["usage"] = OpenAiUsage(plan); }
        if (Wire == AiWire.AzureOpenAI) { completion["prompt_filter_results"] = AzurePromptFilterResults(); }
        return completion;
    }

    private async Task StreamOpenAiAsync(Exchange x)
    {
        var plan = PlanFor(x.Reply, OpenAiModel(x, "gpt-4o"), OpenAiMessageTexts(x.Body));
        var includeUsage = IsTrue(x.Body?["stream_options"]?["include_usage"]);
        var id = NextId("chatcmpl-fake");
        var created = Created();
        var writer = new EventWriter(x);
        await writer.StartAsync("text/event-stream; charset=utf-8");

        // Azure opens every stream with a chunk that has no choices, only the prompt's content-filter results.
        if (Wire == AiWire.AzureOpenAI)
        {
            await writer.EventAsync(Data(new JsonObject
            {
                ["choices"] = new JsonArray(), ["created"] = 0, ["id"] = "", ["model"] = "", ["object"] = "",
                ["prompt_filter_results"] = AzurePromptFilterResults(),
            }));
        }
        var first = new JsonObject { ["role"] = "assistant", ["content"] = plan.ToolCall is null ? "" : null, ["refusal"] = null };
        if (plan.ToolCall is { } call)
        {
            first["tool_calls"] = new JsonArray(new JsonObject
            {
                ["index"] = 0, ["id"] = NextId("call_fake"), ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = "" },
            });
        }
        await writer.EventAsync(Data(Chunk(first, finishReason: null)));
        foreach (var piece in plan.Pieces)
        {
            var delta = plan.ToolCall is null
                ? new JsonObject { ["content"] = piece }
                : new JsonObject { ["tool_calls"] = new JsonArray(new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = piece } }) };
            await writer.EventAsync(Data(Chunk(delta, finishReason: null)));
        }
        await writer.EventAsync(Data(Chunk(new JsonObject(), FinishReason(plan))));
        if (includeUsage && plan.Usage)
        {
            var usage = Chunk(null, null);
            usage["usage"] = OpenAiUsage(plan);
            await writer.EventAsync(Data(usage));
        }
        await writer.EventAsync("data: [DONE]\n\n");

        // A chunk with one choice carrying delta (or, with a null delta, the usage chunk: no choices at all). Under
        // include_usage every other chunk carries "usage": null, as OpenAI's do.
        JsonObject Chunk(JsonObject? delta, string? finishReason)
        {
            var choices = new JsonArray();
            if (delta is not null)
            {
                var choice = new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason };
                if (Wire == AiWire.AzureOpenAI) { choice["content_filter_results"] = new JsonObject(); }
                choices.Add(choice);
            }
            var chunk = new JsonObject
            {
                ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = plan.Model,
                ["service_tier"] = "default", ["system_fingerprint"] = "fp_fake", ["choices"] = choices,
            };
            if (includeUsage) { chunk["usage"] = null; }
            return chunk;
        }
    }

    private static string Data(JsonNode chunk) => $"data: {chunk.ToJsonString()}\n\n";

    private static string FinishReason(Plan plan) => plan.ToolCall is null ? "stop" : "tool_calls";

    private static JsonObject OpenAiUsage(Plan plan) => new()
    {
        ["prompt_tokens"] = plan.InputTokens,
        ["completion_tokens"] = plan.OutputTokens,
        ["total_tokens"] = plan.InputTokens + plan.OutputTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject
        {
            ["reasoning_tokens"] = 0, ["audio_tokens"] = 0, ["accepted_prediction_tokens"] = 0, ["rejected_prediction_tokens"] = 0,
        },
    };

    private static JsonArray AzurePromptFilterResults()
    {
        static JsonObject Safe() => new() { ["filtered"] = false, ["severity"] = "safe" };
        return new JsonArray(new JsonObject
        {
            ["prompt_index"] = 0,
            ["content_filter_results"] = new JsonObject { ["hate"] = Safe(), ["self_harm"] = Safe(), ["sexual"] = Safe(), ["violence"] = Safe() },
        });
    }

    private JsonObject OpenAiEmbeddings(Exchange x)
    {
        // input: one string, an array of strings, or token arrays (embedded by their text form).
        var inputs = x.Body?["input"] switch
        {
            JsonArray array when array.All(n => n is JsonValue v && v.TryGetValue(out string? _)) => array.Select(n => StringOf(n)!).ToList(),
            JsonArray array when array.All(n => n is JsonValue) => [array.ToJsonString()],
            JsonArray array => array.Select(n => n?.ToJsonString() ?? "").ToList(),
            var single => [StringOf(single) ?? ""],
        };
        // The official SDKs ask for base64 (little-endian float32s) and decode it themselves.
        var base64 = StringOf(x.Body?["encoding_format"]) == "base64";
        var data = new JsonArray();
        for (var i = 0; i < inputs.Count; i++)
        {
            var vector = Embedding(inputs[i]);
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = base64
                    ? Convert.ToBase64String(MemoryMarshal.AsBytes(vector.AsSpan()))
                    : new JsonArray([.. vector.Select(v => (JsonNode)v)]),
            });
        }
        var tokens = x.Reply.InputTokens ?? inputs.Sum(CountWords);
        var answer = new JsonObject { ["object"] = "list", ["data"] = data, ["model"] = x.Reply.Model ?? OpenAiModel(x, "text-embedding-3-small") };
        if (!x.Reply.OmitUsage) { answer["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens }; }
        return answer;
    }

    private static JsonObject OpenAiError(int status, string? message)
    {
        var (type, code, text) = status switch
        {
            401 => ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
            404 => ("invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
            429 => ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again later."),
            >= 500 => ("server_error", null, "The server had an error while processing your request. Sorry about that!"),
            _ => ("invalid_request_error", (string?)null, $"The fake provider refused the request with {status}."),
        };
        return new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message ?? text, ["type"] = type, ["param"] = null, ["code"] = code },
        };
    }

    /// <summary>Azure's own error shape: the status as a string code and a message, no type.</summary>
    private static JsonObject AzureError(int status, string? message) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = status.ToString(),
            ["message"] = message ?? status switch
            {
                401 => "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
                429 => "Requests to the ChatCompletions_Create Operation under Azure OpenAI API have exceeded the token rate limit of your current pricing tier. Please retry after a while.",
                _ => $"The fake Azure OpenAI resource refused the request with {status}.",
            },
        },
    };
}
