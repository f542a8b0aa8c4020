using System.Net;
using System.Text;
using System.Text.Json;
using Konnect.Api;
using Konnect.Api.Kubernetes;

namespace Konnect.Kubernetes;

/// <summary>
/// Turns API server answers and transport failures into <see cref="KubeApiException"/>. Messages name the verb, the
/// path and the server's own explanation; never a request body or a header, so tokens cannot leak into logs.
/// Client-side failures use StatusCode 0 with the reasons "Unreachable", "Timeout", "StreamDropped",
/// "InvalidResponse" and "CredentialsUnavailable".
/// </summary>
internal static class KubeApiErrors
{
    private const int MaxErrorBody = 64 * 1024;

    public static async Task<KubeApiException> FromResponseAsync(HttpResponseMessage response, string verb, string path, TimeProvider time, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        ApiStatus? status = null;
        string? text = null;
        try
        {
            text = await ReadLimitedAsync(response.Content, cancellationToken);
            if (text.Length > 0 && text[0] == '{')
            {
                status = JsonSerializer.Deserialize(text, KonnectJsonContext.Default.ApiStatus);
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            // The status line alone still tells the caller what happened.
        }
        var reason = status?.Reason is { Length: > 0 } r ? r : DefaultReason(response.StatusCode);
        var detail = status?.Message is { Length: > 0 } m ? m
            : text is { Length: > 0 } && status is null ? $"HTTP {code}: {Truncate(text, 200)}"
            : $"HTTP {code} {response.ReasonPhrase}";
        return new KubeApiException(code, reason, $"{verb} {path}: {detail}", RetryAfter(response, status, time));
    }

    public static KubeApiException FromStatus(ApiStatus status, string verb, string path)
    {
        var code = status.Code ?? 500;
        var reason = status.Reason is { Length: > 0 } r ? r : DefaultReason((HttpStatusCode)code);
        var retryAfter = status.Details?.RetryAfterSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        return new KubeApiException(code, reason, $"{verb} {path}: {status.Message ?? reason}", retryAfter);
    }

    public static KubeApiException Unreachable(Uri server, string verb, string path, Exception inner) =>
        new(0, "Unreachable", $"{verb} {path}: cannot reach the Kubernetes API server at {server}: {inner.Message}", inner);

    public static KubeApiException Timeout(string verb, string path, TimeSpan timeout) =>
        new(0, "Timeout", $"{verb} {path}: no answer from the Kubernetes API server within {timeout.TotalSeconds:0.#} s");

    public static KubeApiException StreamDropped(string path, string why, Exception? inner = null) =>
        new(0, "StreamDropped", $"WATCH {path}: the stream ended abruptly ({why}); watch again from the last resourceVersion", inner);

    public static KubeApiException InvalidResponse(string verb, string path, string why, Exception? inner = null) =>
        new(0, "InvalidResponse", $"{verb} {path}: the API server's answer could not be read: {why}", inner);

    private static TimeSpan? RetryAfter(HttpResponseMessage response, ApiStatus? status, TimeProvider time)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta;
            }
            if (header.Date is { } date)
            {
                var wait = date - time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }
        return status?.Details?.RetryAfterSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : null;
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBody];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }
        return Encoding.UTF8.GetString(buffer, 0, total).Trim();
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "...";

    /// <summary>The reasons the API server uses (metav1.StatusReason) when a response carries no Status body.</summary>
    private static string DefaultReason(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => "BadRequest",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "NotFound",
        HttpStatusCode.MethodNotAllowed => "MethodNotAllowed",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.Gone => "Expired",
        HttpStatusCode.UnsupportedMediaType => "UnsupportedMediaType",
        HttpStatusCode.UnprocessableEntity => "Invalid",
        HttpStatusCode.TooManyRequests => "TooManyRequests",
        HttpStatusCode.ServiceUnavailable => "ServiceUnavailable",
        HttpStatusCode.GatewayTimeout => "Timeout",
        _ => (int)code >= 500 ? "InternalError" : "Unknown",
    };
}
