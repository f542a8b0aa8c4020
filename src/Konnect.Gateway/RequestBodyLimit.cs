using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway;

/// <summary>
/// Kestrel's way of saying a request body grew past <see cref="ClientLimits.MaxRequestBodySize"/> while a forwarder was
/// reading it: the read throws a BadHttpRequestException with status 413, which both forwarders otherwise report as a
/// client-side body failure (400).
/// </summary>
public static class RequestBodyLimit
{
    /// <summary>Whether <paramref name="exception"/> (or one it wraps) is Kestrel refusing a body over the limit.</summary>
    public static bool ExceededBy(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }) { return true; }
        }
        return false;
    }
}
