using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway;

/// <summary>
/// Kestrel's verdict on a request body a forwarder failed to read: the BadHttpRequestException a read throws carries
/// the status the client is owed (413 past <see cref="ClientLimits.MaxRequestBodySize"/>, 408 under the minimum data
/// rate, 400 for a malformed chunk). YARP's forwarder answers with it; Konnect's does the same through this.
/// </summary>
public static class RequestBodyFailure
{
    /// <summary>The status Kestrel gave the failed read, or 400 when the failure was not Kestrel's verdict.</summary>
    public static int Status(Exception? exception) => Verdict(exception)?.StatusCode ?? StatusCodes.Status400BadRequest;

    /// <summary>Whether the body grew past the gateway's size limit.</summary>
    public static bool TooLarge(Exception? exception) => Verdict(exception)?.StatusCode == StatusCodes.Status413PayloadTooLarge;

    private static BadHttpRequestException? Verdict(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad) { return bad; }
        }
        return null;
    }
}
