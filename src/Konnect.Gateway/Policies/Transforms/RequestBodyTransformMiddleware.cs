using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Konnect.Gateway.Policies.Transforms;

/// <summary>
/// requestTransform.jsonBody, before YARP: the forwarder takes the request body stream and Content-Length when it
/// builds the upstream request, before any YARP transform runs, so the edited body must be in place by then.
/// </summary>
internal sealed partial class RequestBodyTransformMiddleware(RequestDelegate next, ILogger<RequestBodyTransformMiddleware> logger)
{
    // Not async itself: requests without a body edit to make pass without a state machine of their own.
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IKonnectRouteFeature>() is not MatchedRoute { Policies: ITransformPolicies { RequestTransform: { JsonBody: { } edit } rule } })
        {
            return next(context);
        }
        var request = context.Request;
        var hasBody = request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
        return hasBody ? EditAsync(context, edit, rule) : next(context);
    }

    private async Task EditAsync(HttpContext context, JsonBodyEdit edit, TransformRule rule)
    {
        var request = context.Request;
        var why = !JsonBodyEdit.IsJson(request.ContentType) ? $"Content-Type {(request.ContentType is { Length: > 0 } t ? t : "(none)")} is not JSON"
            : request.Headers.ContentEncoding.Count > 0 ? $"the body is encoded ({request.Headers.ContentEncoding})"
            : request.ContentLength > edit.MaxSize ? $"the body is larger than maxSize {edit.MaxSize}"
            : null;
        if (why is null)
        {
            var original = request.Body;
            var (body, complete) = await BoundedReader.ReadAsync(original, edit.MaxSize, context.RequestAborted);
            if (!complete)
            {
                why = $"the body is larger than maxSize {edit.MaxSize}";
                request.Body = new PrefixedStream(body, original);
            }
            else
            {
                var edited = edit.Apply(body, out why);
                var output = edited ?? body.ToArray();
                request.Body = new MemoryStream(output, writable: false);
                // The upstream gets a framed body of the new length, whatever framing the client used.
                request.Headers.Remove(HeaderNames.TransferEncoding);
                request.ContentLength = output.Length;
            }
        }
        if (why is not null) { LogSkipped(logger, context.TraceIdentifier, rule.Policy, why); }
        await next(context);
    }

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "Request {RequestId}: requestTransform.jsonBody of KonnectPolicy {Policy} skipped: {Reason}; the body passes unchanged")]
    private static partial void LogSkipped(ILogger logger, string requestId, string policy, string reason);
}
