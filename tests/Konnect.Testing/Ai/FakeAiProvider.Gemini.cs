using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Konnect.Testing.Ai;

// Google Gemini (Generative Language API v1beta): generateContent, streamGenerateContent, embedContent, batchEmbedContents.
public sealed partial class FakeAiProvider
{
    private static Route MatchGemini(string method, string path, IQueryCollection query)
    {
        const string prefix = "/v1beta/models/";
        if (method != "POST" || !path.StartsWith(prefix, StringComparison.Ordinal)) { return default; }
        var target = path[prefix.Length..];
        var colon = target.LastIndexOf(':');
        if (colon <= 0 || target[..colon].Contains('/', StringComparison.Ordinal)) { return default; }
        var model = target[..colon];
        return target[(colon + 1)..] switch
        {
            "generateContent" => new Route(Operation.Chat, model),
            // Without alt=sse Gemini streams one JSON array, written element by element.
            "streamGenerateContent" => new Route(Operation.Chat, model, Streamed: true, Batch: query["alt"] != "sse"),
            "embedContent" => new Route(Operation.Embeddings, model),
            "batchEmbedContents" => new Route(Operation.Embeddings, model, Batch: true),
            _ => default,
        };
    }

    private static IEnumerable<string> GeminiMessageTexts(JsonObject? body)
    {
        var system = body?["systemInstruction"] is { } node ? [TextOf(node["parts"])] : Array.Empty<string>();
        return system.Concat((body?["contents"] as JsonArray ?? []).Select(c => TextOf(c?["parts"])));
    }

    private Plan GeminiPlan(Exchange x) => PlanFor(x.Reply, x.Route.PathModel!, GeminiMessageTexts(x.Body));

    private Task AnswerGeminiAsync(Exchange x)
    {
        if (x.Route.Operation == Operation.Embeddings)
        {
            var answer = x.Route.Batch
                ? new JsonObject
                {
                    ["embeddings"] = new JsonArray([.. (x.Body?["requests"] as JsonArray ?? []).Select(r => (JsonNode)GeminiEmbedding(TextOf(r?["content"]?["parts"])))]),
                }
                : new JsonObject { ["embedding"] = GeminiEmbedding(TextOf(x.Body?["content"]?["parts"])) };
            return WriteJsonAsync(x.Context, 200, answer, x.Aborted);
        }
        var plan = GeminiPlan(x);
        var part = plan.ToolCall is { } call
            ? new JsonObject { ["functionCall"] = new JsonObject { ["name"] = call.Name, ["args"] = ArgumentsObject(call.ArgumentsJson) } }
            : new JsonObject { ["text"] = plan.Text };
        return WriteJsonAsync(x.Context, 200, GeminiResponse(plan, part, NextId("fake-response-"), last: true, plan.OutputTokens), x.Aborted);
    }

    private async Task StreamGeminiAsync(Exchange x)
    {
        var plan = GeminiPlan(x);
        var responseId = NextId("fake-response-");
        var writer = new EventWriter(x);
        await writer.StartAsync(x.Route.Batch ? "application/json; charset=UTF-8" : "text/event-stream");

        // Gemini sends a function call whole, in one event; text comes in pieces. Every event carries usageMetadata,
        // cumulative, so the last one holds the call's totals.
        var parts = plan.ToolCall is { } call
            ? [new JsonObject { ["functionCall"] = new JsonObject { ["name"] = call.Name, ["args"] = ArgumentsObject(call.ArgumentsJson) } }]
            : plan.Pieces.Select(p => new JsonObject { ["text"] = p }).DefaultIfEmpty(new JsonObject { ["text"] = "" }).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            var last = i == parts.Count - 1;
            var output = last ? plan.OutputTokens : Math.Min(i + 1, plan.OutputTokens);
            var json = GeminiResponse(plan, parts[i], responseId, last, output).ToJsonString();
            // The SSE form ends each event with CRLF CRLF, as Google's servers do.
            await writer.EventAsync(x.Route.Batch ? (i == 0 ? "[" : ",\r\n") + json : $"data: {json}\r\n\r\n");
        }
        if (x.Route.Batch) { await writer.RawAsync("]"); }
    }

    private static JsonObject GeminiResponse(Plan plan, JsonObject part, string responseId, bool last, int outputSoFar)
    {
        var candidate = new JsonObject { ["content"] = new JsonObject { ["parts"] = new JsonArray(part), ["role"] = "model" } };
        if (last) { candidate["finishReason"] = "STOP"; }
        candidate["index"] = 0;
        var response = new JsonObject { ["candidates"] = new JsonArray(candidate) };
        if (plan.Usage)
        {
            response["usageMetadata"] = new JsonObject
            {
                ["promptTokenCount"] = plan.InputTokens,
                ["candidatesTokenCount"] = outputSoFar,
                ["totalTokenCount"] = plan.InputTokens + outputSoFar,
            };
        }
        response["modelVersion"] = plan.Model;
        response["responseId"] = responseId;
        return response;
    }

    private static JsonObject GeminiEmbedding(string text) => new() { ["values"] = new JsonArray([.. Embedding(text).Select(v => (JsonNode)v)]) };

    private static JsonObject GeminiError(int status, string? message, TimeSpan? retryAfter)
    {
        var (code, text) = status switch
        {
            400 => ("INVALID_ARGUMENT", "Request contains an invalid argument."),
            401 => ("UNAUTHENTICATED", "Request had invalid authentication credentials."),
            403 => ("PERMISSION_DENIED", "The caller does not have permission."),
            404 => ("NOT_FOUND", "Requested entity was not found."),
            429 => ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
            500 => ("INTERNAL", "An internal error has occurred."),
            503 => ("UNAVAILABLE", "The model is overloaded. Please try again later."),
            504 => ("DEADLINE_EXCEEDED", "Deadline exceeded."),
            _ => ("UNKNOWN", $"The fake provider refused the request with {status}."),
        };
        var error = new JsonObject { ["code"] = status, ["message"] = message ?? text, ["status"] = code };
        if (retryAfter is { } wait)
        {
            // Google says when to retry in the body (google.rpc.RetryInfo) as well.
            error["details"] = new JsonArray(new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.rpc.RetryInfo",
                ["retryDelay"] = $"{(long)Math.Ceiling(wait.TotalSeconds)}s",
            });
        }
        return new JsonObject { ["error"] = error };
    }
}
