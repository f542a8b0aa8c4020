using Konnect.Gateway.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Konnect.Gateway.Hosting;

/// <summary>
/// Before anything else looks at an HTTP/1.x request: refuses a body framing that two parsers could read differently
/// (RFC 9112 sections 6.1 and 11.2), and a declared body over the size limit, with a problem answer and a closed
/// connection, so the bytes after the request are never read as another one and nothing goes upstream.
/// </summary>
/// <remarks>
/// Kestrel already refuses most ambiguous framing itself (400 and a close: duplicate or listed Content-Lengths, a
/// final coding other than chunked, obs-fold, bare CR; bare LF too, with the switch GatewayHost sets). It takes
/// "Transfer-Encoding: chunked" twice, as two fields or a list, and decodes it once, where a parser that follows the
/// header would decode twice: such a request is refused here. A Content-Length over the limit would otherwise reach
/// the upstream as a request head before Kestrel refuses the body on its first read.
/// </remarks>
internal sealed class RequestFramingMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpProtocol.IsHttp2(request.Protocol) || HttpProtocol.IsHttp3(request.Protocol))
        {
            // Frames delimit those bodies; Kestrel refuses Transfer-Encoding on them.
            return next(context);
        }
        var codings = request.Headers.TransferEncoding;
        if (codings.Count > 1 || (codings.Count == 1 && !string.Equals(codings[0]!.Trim(), "chunked", StringComparison.OrdinalIgnoreCase)))
        {
            return RefuseAsync(context, Problem.BadFraming,
                "Transfer-Encoding must be chunked, once: a coding applied twice, or another coding, can be read two ways on the path to the upstream.");
        }
        if (request.ContentLength is { } length && context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } max && length > max)
        {
            return RefuseAsync(context, Problem.RequestTooLarge,
                $"The request body ({length} bytes) is larger than the gateway accepts ({max} bytes, konnect run --max-request-body-size).");
        }
        return next(context);
    }

    private static Task RefuseAsync(HttpContext context, Problem problem, string detail)
    {
        // The body is left unread: the connection must end with this answer, or Kestrel would read on from it.
        context.Response.Headers.Connection = "close";
        return ProblemResponse.WriteAsync(context, problem, detail);
    }
}
