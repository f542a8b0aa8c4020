using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Konnect.Testing.Ai;

// Anthropic Messages: POST /v1/messages, answered whole or as named SSE events.
public sealed partial class FakeAiProvider
{
    private static IEnumerable<string> AnthropicMessageTexts(JsonObject? body)
    {
        // The top-level system prompt counts as a message, as the gateway sees it.
        var system = body?["system"] is { } node ? [TextOf(node)] : Array.Empty<string>();
        return system.Concat((body?["messages"] as JsonArray ?? []).Select(m => TextOf(m?["content"])));
    }

    private Plan AnthropicPlan(Exchange x) =>
        PlanFor(x.Reply, StringOf(x.Body?["model"]) ?? "claude-sonnet-4-5", AnthropicMessageTexts(x.Body));

    private Task AnswerAnthropicAsync(Exchange x)
    {
        var plan = AnthropicPlan(x);
        x.Context.Response.Headers["request-id"] = NextId("req_fake");
        var content = new JsonArray(plan.ToolCall is { } call
            ? new JsonObject { ["type"] = "tool_use", ["id"] = NextId("toolu_fake"), ["name"] = call.Name, ["input"] = ArgumentsObject(call.ArgumentsJson) }
            : new JsonObject { ["type"] = "text", ["text"] = plan.Text });
        var message = AnthropicMessage(plan, content, StopReason(plan));
        if (plan.Usage) { message["usage"] = AnthropicUsage(plan.InputTokens, plan.OutputTokens); }
        return WriteJsonAsync(x.Context, 200, message, x.Aborted);
    }

    private async Task StreamAnthropicAsync(Exchange x)
    {
        var plan = AnthropicPlan(x);
        x.Context.Response.Headers["request-id"] = NextId("req_fake");
        var writer = new EventWriter(x);
        await writer.StartAsync("text/event-stream; charset=utf-8");

        // message_start carries the input tokens (and a first output count); message_delta the final output tokens.
        var start = AnthropicMessage(plan, new JsonArray(), stopReason: null);
        if (plan.Usage) { start["usage"] = AnthropicUsage(plan.InputTokens, Math.Min(1, plan.OutputTokens)); }
        await writer.EventAsync(Event("message_start", new JsonObject { ["type"] = "message_start", ["message"] = start }));

        var block = plan.ToolCall is { } call
            ? new JsonObject { ["type"] = "tool_use", ["id"] = NextId("toolu_fake"), ["name"] = call.Name, ["input"] = new JsonObject() }
            : new JsonObject { ["type"] = "text", ["text"] = "" };
        await writer.EventAsync(Event("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = block }));
        await writer.EventAsync(Event("ping", new JsonObject { ["type"] = "ping" }));
        foreach (var piece in plan.Pieces)
        {
            var delta = plan.ToolCall is null
                ? new JsonObject { ["type"] = "text_delta", ["text"] = piece }
                : new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = piece };
            await writer.EventAsync(Event("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = delta }));
        }
        await writer.EventAsync(Event("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 }));

        var messageDelta = new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = StopReason(plan), ["stop_sequence"] = null },
        };
        if (plan.Usage) { messageDelta["usage"] = new JsonObject { ["output_tokens"] = plan.OutputTokens }; }
        await writer.EventAsync(Event("message_delta", messageDelta));
        await writer.EventAsync(Event("message_stop", new JsonObject { ["type"] = "message_stop" }));
    }

    private static string Event(string name, JsonNode data) => $"event: {name}\ndata: {data.ToJsonString()}\n\n";

    private static string StopReason(Plan plan) => plan.ToolCall is null ? "end_turn" : "tool_use";

    private JsonObject AnthropicMessage(Plan plan, JsonArray content, string? stopReason) => new()
    {
        ["id"] = NextId("msg_fake"),
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = plan.Model,
        ["content"] = content,
        ["stop_reason"] = stopReason,
        ["stop_sequence"] = null,
    };

    private static JsonObject AnthropicUsage(int input, int output) => new()
    {
        ["input_tokens"] = input,
        ["cache_creation_input_tokens"] = 0,
        ["cache_read_input_tokens"] = 0,
        ["output_tokens"] = output,
        ["service_tier"] = "standard",
    };

    private JsonObject AnthropicError(HttpContext context, int status, string? message)
    {
        var (type, text) = status switch
        {
            400 => ("invalid_request_error", "The request was invalid."),
            401 => ("authentication_error", "invalid x-api-key"),
            402 => ("billing_error", "Your credit balance is too low."),
            403 => ("permission_error", "Your API key does not have permission to use the specified resource."),
            404 => ("not_found_error", "The requested resource could not be found."),
            413 => ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
            429 => ("rate_limit_error", "Number of requests has exceeded your rate limit."),
            504 => ("timeout_error", "Request timed out."),
            529 => ("overloaded_error", "Overloaded"),
            >= 500 => ("api_error", "Internal server error"),
            _ => ("invalid_request_error", $"The fake provider refused the request with {status}."),
        };
        var requestId = NextId("req_fake");
        context.Response.Headers["request-id"] = requestId;
        return new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message ?? text },
            ["request_id"] = requestId,
        };
    }
}
