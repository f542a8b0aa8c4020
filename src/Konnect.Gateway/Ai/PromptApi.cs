using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai.Prompts;
using Konnect.Gateway.Ai.Providers;
using Konnect.Gateway.Ai.Relay;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Routing;
using Konnect.Model;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai;

/// <summary>
/// A prompt served as a REST API: POST a JSON object whose fields are the template's variables, get the generated
/// content ({"content": "..."}) or the whole chat completion. GET .../openapi.json describes it. Errors are
/// problem+json, as on every plain route.
/// </summary>
internal static class PromptApi
{
    public static Task HandleAsync(HttpContext context, AiRule rule, MatchedRoute matched, AiExchange exchange)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        if (path.EndsWith("/openapi.json", StringComparison.Ordinal))
        {
            if (!HttpMethods.IsGet(request.Method)) { return MethodNotAllowed(context, "GET"); }
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(PromptOpenApi.Document(rule.Model.Prompt!, matched, path[..^"/openapi.json".Length] is { Length: > 0 } api ? api : "/").ToJsonString(), context.RequestAborted);
        }
        return HttpMethods.IsPost(request.Method) ? CallAsync(context, rule, matched, exchange) : MethodNotAllowed(context, "POST");
    }

    private static async Task CallAsync(HttpContext context, AiRule rule, MatchedRoute matched, AiExchange exchange)
    {
        var prompt = rule.Model.Prompt!;
        var body = await AiMiddleware.ReadJsonAsync(context, AiFront.Prompt).ConfigureAwait(false);
        if (body is null) { return; }
        if (PromptTemplate.Fill(prompt, body, out var problem) is not { } hub)
        {
            await ProblemResponse.WriteAsync(context, Problem.Ai(400, "invalid-variable", "A prompt variable is not valid"), problem!).ConfigureAwait(false);
            return;
        }
        await exchange.RunAsync(context, rule, matched, AiFront.Prompt, hub,
            prompt.Response == AiPromptResponse.Content ? ContentAsync : null).ConfigureAwait(false);
    }

    /// <summary>The answer's text only, as {"content": "..."}.</summary>
    private static async Task ContentAsync(HttpContext context, AiCall call, ProviderAnswer answer)
    {
        var (completion, _) = await AnswerRelay.ReadAsync(context, call, answer).ConfigureAwait(false);
        var text = new StringBuilder();
        Formats.OpenAiChat.AppendText(completion, text);
        var payload = Encoding.UTF8.GetBytes(new JsonObject { ["content"] = text.ToString() }.ToJsonString());
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = payload.Length;
        await context.Response.Body.WriteAsync(payload, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task MethodNotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return ProblemResponse.WriteAsync(context, Problem.MethodNotAllowed, $"Use {allowed} on {context.Request.Path}.");
    }
}
