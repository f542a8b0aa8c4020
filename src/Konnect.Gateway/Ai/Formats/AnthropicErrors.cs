using System.Text.Json.Nodes;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>Error bodies in the shape Anthropic answers with, so Anthropic SDK clients raise their typed errors.</summary>
internal static class AnthropicErrors
{
    public static JsonObject Body(int status, string message) => new()
    {
        ["type"] = "error",
        ["error"] = new JsonObject { ["type"] = Type(status), ["message"] = message },
    };

    /// <summary>Anthropic's error type for an HTTP status, as its API reference lists them.</summary>
    public static string Type(int status) => status switch
    {
        400 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 => "overloaded_error",
        // Anthropic uses invalid_request_error for the 4xx it does not list.
        >= 400 and < 500 => "invalid_request_error",
        _ => "api_error",
    };

    /// <summary>The message of an Anthropic error body ({"type":"error","error":{"type":..,"message":..}}), or null.</summary>
    public static string? Message(JsonNode? body) =>
        body is JsonObject o && o["error"] is JsonObject error ? AnthropicJson.String(error, "message") : null;
}
