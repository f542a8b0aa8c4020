namespace Konnect.Kubernetes;

/// <summary>
/// A failed call to the API server, whatever KubernetesClient threw: the HTTP status and the server's Status reason
/// and message, or StatusCode 0 with the reasons "Unreachable", "Timeout", "StreamDropped", "InvalidResponse" and
/// "CredentialsUnavailable" for failures on this side of the wire. Messages name the verb, the path and the server's
/// own explanation; never a request body or a header, so tokens cannot leak into logs.
/// </summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException() { }
    public KubeApiException(string message) : base(message) { }
    public KubeApiException(string message, Exception inner) : base(message, inner) { }

    public KubeApiException(int statusCode, string? reason, string message, TimeSpan? retryAfter = null, Exception? inner = null) : base(message, inner)
    {
        StatusCode = statusCode;
        Reason = reason;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status (0 when the server could not be reached or its answer could not be read).</summary>
    public int StatusCode { get; }
    /// <summary>The Status reason, e.g. "Expired", "Conflict", "NotFound".</summary>
    public string? Reason { get; }
    /// <summary>From Retry-After (429, some 5xx) when the server sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    public bool IsNotFound => StatusCode == 404;
    public bool IsConflict => StatusCode == 409;
    /// <summary>410 Gone: the resourceVersion is too old; relist.</summary>
    public bool IsGone => StatusCode == 410;

    /// <summary>
    /// Nothing answered: the connection was refused, reset or cut during TLS, or no answer came within the request
    /// deadline. Pages of 500 answer in milliseconds on a healthy server, so a call that got no answer in time is
    /// treated as the server being gone too (see <see cref="ApiServerProbe"/>).
    /// </summary>
    public bool IsUnreachable => StatusCode == 0 && Reason is ("Unreachable" or "Timeout");
}
