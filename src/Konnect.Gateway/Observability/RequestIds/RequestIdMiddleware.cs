using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Observability.RequestIds;

/// <summary>
/// Gives every request an id that travels upstream (x-request-id), comes back to the client and appears in problem
/// bodies, so one id ties the client's report, the gateway's log and the backend's log together. An incoming id is
/// kept when it is short and plain; anything else is replaced, so a client cannot inject text into logs or headers.
/// </summary>
internal sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "x-request-id";
    private const int MaxLength = 128;

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        var incoming = headers[HeaderName];
        string id;
        if (incoming.Count == 1 && IsAcceptable(incoming[0]))
        {
            id = incoming[0]!;
        }
        else
        {
            id = NewId();
            headers[HeaderName] = id;
        }

        // TraceIdentifier is what ASP.NET and YARP already log, so the id shows up there without extra plumbing.
        context.TraceIdentifier = id;
        Stamp(context);
        return next(context);
    }

    /// <summary>Sets the answer's id to the request's: again after an upstream's fields were copied over it.</summary>
    internal static void Stamp(HttpContext context) => context.Response.Headers[HeaderName] = context.TraceIdentifier;

    internal static bool IsAcceptable(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>32 lower-case hex characters from 16 random bytes, the shape of a W3C trace id.</summary>
    internal static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
