using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Formats;
using Konnect.Gateway.Ai.Prompts;
using Konnect.Gateway.Ai.Providers;
using Konnect.Gateway.Ai.Relay;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai;

/// <summary>
/// Answers the AI APIs on a rule whose policies set ai, after the policy step (so the caller is authenticated,
/// authorized and rate limited) and instead of proxying: OpenAI's POST .../chat/completions, POST .../embeddings and
/// GET .../models, Anthropic's POST .../v1/messages, and the rule's prompt API when it has one. Every other request
/// passes on untouched.
/// </summary>
internal sealed class AiMiddleware(RequestDelegate next, AiRules rules, AiExchange exchange)
{
    /// <summary>Bodies above this are refused with 413: a chat request with a few images stays well below it.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Route.Policies.Ai: { } model } matched)
        {
            return next(context);
        }
        var rule = rules.For(model);
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (model.Prompt is not null) { return PromptApi.HandleAsync(context, rule, matched, exchange); }
        if (path.EndsWith("/models", StringComparison.Ordinal))
        {
            return HttpMethods.IsGet(request.Method) ? ModelsAsync(context, rule) : MethodNotAllowedAsync(context, AiFront.OpenAIChat, "GET");
        }
        AiFront? front = path.EndsWith("/chat/completions", StringComparison.Ordinal) ? AiFront.OpenAIChat
            : path.EndsWith("/embeddings", StringComparison.Ordinal) ? AiFront.OpenAIEmbeddings
            : path.EndsWith("/v1/messages", StringComparison.Ordinal) ? AiFront.AnthropicMessages
            : null;
        if (front is not { } api)
        {
            return AiApiErrorResponse.WriteAsync(context, AiApi.OpenAI, 404,
                $"{path} is not an AI API this route serves: use POST .../v1/chat/completions, POST .../v1/embeddings, GET .../v1/models or POST .../v1/messages.", "unknown-endpoint");
        }
        if (!HttpMethods.IsPost(request.Method)) { return MethodNotAllowedAsync(context, api, "POST"); }
        return CallAsync(context, rule, matched, api);
    }

    private async Task CallAsync(HttpContext context, AiRule rule, MatchedRoute matched, AiFront front)
    {
        var body = await ReadJsonAsync(context, front).ConfigureAwait(false);
        if (body is null) { return; }
        JsonObject hub;
        try
        {
            hub = front == AiFront.AnthropicMessages ? AnthropicMessages.ToChatRequest(body) : body;
        }
        catch (FormatException e)
        {
            await AiApiErrorResponse.WriteAsync(context, front.Api(), 400, e.Message, "invalid-request").ConfigureAwait(false);
            return;
        }
        await exchange.RunAsync(context, rule, matched, front, hub).ConfigureAwait(false);
    }

    /// <summary>The request body as a JSON object, or null once an error answer was written.</summary>
    internal static async Task<JsonObject?> ReadJsonAsync(HttpContext context, AiFront front)
    {
        var request = context.Request;
        if (request.ContentLength > MaxBodyBytes)
        {
            await AiApiErrorResponse.WriteAsync(context, front.Api(), 413, $"The request body is larger than {MaxBodyBytes / (1024 * 1024)} MiB.", "body-too-large").ConfigureAwait(false);
            return null;
        }
        try
        {
            // Sized by Content-Length when given, so a 10 KB prompt is read into one buffer rather than grown into one.
            using var buffer = new MemoryStream((int)Math.Clamp(request.ContentLength ?? 4096, 0, MaxBodyBytes));
            await request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            if (buffer.Length > MaxBodyBytes)
            {
                await AiApiErrorResponse.WriteAsync(context, front.Api(), 413, $"The request body is larger than {MaxBodyBytes / (1024 * 1024)} MiB.", "body-too-large").ConfigureAwait(false);
                return null;
            }
            if (JsonNode.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length).Span) is JsonObject json) { return json; }
        }
        catch (JsonException e)
        {
            await AiApiErrorResponse.WriteAsync(context, front.Api(), 400, $"The request body is not valid JSON: {e.Message}", "invalid-json").ConfigureAwait(false);
            return null;
        }
        await AiApiErrorResponse.WriteAsync(context, front.Api(), 400, "The request body must be a JSON object.", "invalid-json").ConfigureAwait(false);
        return null;
    }

    private static Task ModelsAsync(HttpContext context, AiRule rule)
    {
        var data = new JsonArray();
        foreach (var model in rule.Model.Models)
        {
            data.Add(new JsonObject { ["id"] = model.Name, ["object"] = "model", ["created"] = 0, ["owned_by"] = "konnect" });
        }
        var list = new JsonObject { ["object"] = "list", ["data"] = data };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(list.ToJsonString(), context.RequestAborted);
    }

    private static Task MethodNotAllowedAsync(HttpContext context, AiFront front, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return AiApiErrorResponse.WriteAsync(context, front.Api(), 405, $"Use {allowed} on {context.Request.Path}.", "method-not-allowed");
    }
}
