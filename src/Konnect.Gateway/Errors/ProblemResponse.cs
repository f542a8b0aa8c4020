using System.Buffers;
using System.Text.Json;
using Konnect.Gateway.Observability.RequestIds;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Errors;

/// <summary>
/// Writes RFC 9457 application/problem+json for responses the gateway makes itself (gRPC requests get a grpc-status
/// instead, see <see cref="GrpcStatusResponse"/>). Hand-written with
/// <see cref="Utf8JsonWriter"/>: no reflection, and nothing but the fields below can leak (no stack, no secret).
/// </summary>
public static class ProblemResponse
{
    public const string ContentType = "application/problem+json";

    public static async Task WriteAsync(HttpContext context, Problem problem, string detail)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        // The body quotes the request id, so the field says it too, whatever cleared the answer's fields before
        // (YARP's forwarder resets them when a forward fails, the last-resort handler when a step throws).
        RequestIdMiddleware.Stamp(context);

        // The metrics and the access log report why the gateway answered itself (auth_rejected{reason}, "problem").
        if (context.Features.Get<RequestTelemetry>() is { } telemetry)
        {
            telemetry.Problem = problem;
        }

        if (GrpcStatusResponse.IsGrpc(context.Request))
        {
            // gRPC clients read a status, not a body; everyone else gets the problem document.
            await GrpcStatusResponse.WriteAsync(context, problem, detail);
            return;
        }

        if (AiApiErrorResponse.Of(context.Request.Path) is var api and not AiApi.None)
        {
            // An SDK calling an AI API reads only its own error shape; the problem's slug becomes the error code.
            await AiApiErrorResponse.WriteAsync(context, api, problem.Status, detail, problem.Type[(problem.Type.LastIndexOf('/') + 1)..]);
            return;
        }

        await WriteJsonAsync(context, problem.Status, ContentType, default, json => Write(json, context, problem, detail));
    }

    /// <summary>
    /// The body of an answer the gateway makes itself, in place of whatever an upstream or earlier middleware put in the
    /// response; buffered so it carries a Content-Length (these bodies are a few hundred bytes) and never cached.
    /// </summary>
    internal static async Task WriteJsonAsync(HttpContext context, int status, string contentType, JsonWriterOptions options, Action<Utf8JsonWriter> write)
    {
        var response = context.Response;
        response.Headers.ContentEncoding = default;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-store";
        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body, options))
        {
            write(json);
        }
        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }

    private static void Write(Utf8JsonWriter json, HttpContext context, Problem problem, string detail)
    {
        json.WriteStartObject();
        json.WriteString("type", problem.Type);
        json.WriteString("title", problem.Title);
        json.WriteNumber("status", problem.Status);
        json.WriteString("detail", detail);
        json.WriteString("instance", context.Request.Path.Value);
        json.WriteString("requestId", context.TraceIdentifier);
        json.WriteEndObject();
    }
}
