using System.Text.Json;
using Konnect.Gateway.Observability.RequestIds;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Errors;

/// <summary>The AI API a request calls, told by its path, whatever rule serves it.</summary>
public enum AiApi { None, OpenAI, Anthropic }

/// <summary>
/// The gateway's own answers on the AI APIs' paths (.../v1/chat/completions, .../v1/embeddings, .../v1/models,
/// .../v1/messages) in the calling API's error shape, not problem+json: the official SDKs only surface an error's
/// message from their own shape. Status, headers (Retry-After, RateLimit-*) and the request id stay as for problem+json.
/// </summary>
public static class AiApiErrorResponse
{
    // A JSON body read by SDKs and curl, never embedded in HTML: quotes and apostrophes in messages stay readable.
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static AiApi Of(PathString path)
    {
        var value = path.Value;
        if (value is null) { return AiApi.None; }
        if (value.EndsWith("/v1/messages", StringComparison.Ordinal)) { return AiApi.Anthropic; }
        return value.EndsWith("/chat/completions", StringComparison.Ordinal)
            || value.EndsWith("/v1/embeddings", StringComparison.Ordinal)
            || value.EndsWith("/v1/models", StringComparison.Ordinal)
            // Azure OpenAI's shape: /openai/deployments/<name>/embeddings.
            || (value.EndsWith("/embeddings", StringComparison.Ordinal) && value.Contains("/deployments/", StringComparison.Ordinal))
            ? AiApi.OpenAI
            : AiApi.None;
    }

    /// <param name="code">A short machine-readable code (the problem's slug, e.g. rate-limited); null for none.</param>
    public static async Task WriteAsync(HttpContext context, AiApi api, int status, string message, string? code)
    {
        if (api == AiApi.None)
        {
            // A prompt API is a plain REST API: its callers get problem+json like every other route's.
            await ProblemResponse.WriteAsync(context, Problem.Ai(status, code ?? "ai-error", Title(status)), message);
            return;
        }
        if (context.Response.HasStarted) { return; }
        RequestIdMiddleware.Stamp(context);
        await ProblemResponse.WriteJsonAsync(context, status, "application/json", Options, json =>
        {
            if (api == AiApi.Anthropic) { WriteAnthropic(json, status, message); }
            else { WriteOpenAi(json, status, message, code); }
        });
    }

    private static string Title(int status) => status switch
    {
        400 => "The request is not valid",
        404 => "Not found",
        429 => "The token quota is used up",
        504 => "The model provider did not answer in time",
        >= 500 => "The model provider failed",
        _ => "The AI call failed",
    };

    /// <summary>The type OpenAI's API gives each status (its SDKs map the status to an exception class; the type is shown).</summary>
    public static string OpenAiType(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    public static string AnthropicType(int status) => status switch
    {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        >= 500 => "api_error",
        _ => "invalid_request_error",
    };

    private static void WriteOpenAi(Utf8JsonWriter json, int status, string message, string? code)
    {
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", message);
        json.WriteString("type", OpenAiType(status));
        json.WriteNull("param");
        if (code is null) { json.WriteNull("code"); } else { json.WriteString("code", code); }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteAnthropic(Utf8JsonWriter json, int status, string message)
    {
        json.WriteStartObject();
        json.WriteString("type", "error");
        json.WriteStartObject("error");
        json.WriteString("type", AnthropicType(status));
        json.WriteString("message", message);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
