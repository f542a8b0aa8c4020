using System.Text;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Errors;

/// <summary>
/// The gateway's own errors in the form a gRPC client understands: HTTP 200 with a trailers-only response carrying
/// grpc-status and grpc-message. A gRPC client reading a 404 or 503 problem document sees only "unexpected HTTP
/// status" and none of the reason. Status codes follow gRPC's HTTP-to-gRPC mapping (doc/http-grpc-status-mapping.md).
/// </summary>
internal static class GrpcStatusResponse
{
    public const int Internal = 13;
    public const int Unauthenticated = 16;
    public const int PermissionDenied = 7;
    public const int Unimplemented = 12;
    public const int Unavailable = 14;
    public const int Unknown = 2;

    /// <summary>True for application/grpc, application/grpc+proto, application/grpc-web and the like.</summary>
    public static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    public static int StatusFor(int httpStatus) => httpStatus switch
    {
        400 => Internal,
        401 => Unauthenticated,
        403 => PermissionDenied,
        404 => Unimplemented,
        429 or 502 or 503 or 504 => Unavailable,
        _ => Unknown,
    };

    public static Task WriteAsync(HttpContext context, Problem problem, string detail)
    {
        var response = context.Response;
        var requestType = context.Request.ContentType!;
        var parameters = requestType.IndexOf(';', StringComparison.Ordinal);
        response.Headers.ContentEncoding = default;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = parameters < 0 ? requestType : requestType[..parameters].TrimEnd();
        response.Headers.CacheControl = "no-store";
        // Trailers-only: no message, so the status travels in the one HEADERS frame that ends the stream.
        response.Headers["grpc-status"] = StatusFor(problem.Status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode($"{problem.Title}: {detail} (request id {context.TraceIdentifier})");
        response.Headers["x-konnect-problem"] = problem.Type;
        return Task.CompletedTask;
    }

    /// <summary>grpc-message is percent-encoded UTF-8: printable ASCII except '%' passes, everything else is %XX.</summary>
    internal static string PercentEncode(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var text = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
