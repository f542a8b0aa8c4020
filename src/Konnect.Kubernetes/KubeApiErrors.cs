using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Konnect.Kubernetes;

/// <summary>
/// Turns what KubernetesClient throws into a <see cref="KubeApiException"/>: <see cref="HttpOperationException"/> (an
/// error answer, whose body is the server's Status), <see cref="KubernetesException"/> (an ERROR watch event),
/// transport failures, the library's request deadline and credential failures.
/// </summary>
internal static class KubeApiErrors
{
    /// <summary>The <see cref="KubeApiException"/> for <paramref name="e"/>, or null for what is not the API's to explain.</summary>
    public static KubeApiException? Map(Exception e, string verb, string path, KubeApiCall call, CancellationToken cancellationToken) => e switch
    {
        KubeApiException known => known,
        HttpOperationException { Response: { } response } => FromResponse(response, verb, path, call.Time),
        KubernetesException { Status: { } status } => FromStatus(status, verb, path),
        OperationCanceledException when !cancellationToken.IsCancellationRequested =>
            new KubeApiException(0, "Timeout", $"{verb} {path}: no answer from the Kubernetes API server within {call.Timeout.TotalSeconds:0.#} s", null, e),
        HttpRequestException or IOException when e.InnerException is Config.KubeConfigException or k8s.Exceptions.KubeConfigException =>
            Credentials(verb, path, e.InnerException!),
        HttpRequestException or IOException =>
            new KubeApiException(0, "Unreachable", $"{verb} {path}: cannot reach the Kubernetes API server at {call.Server}: {e.Message}", null, e),
        Config.KubeConfigException or k8s.Exceptions.KubeConfigException => Credentials(verb, path, e),
        JsonException => InvalidResponse(verb, path, e.Message, e),
        _ => null,
    };

    public static KubeApiException StreamDropped(string path, string why, Exception? inner = null) =>
        new(0, "StreamDropped", $"WATCH {path}: the stream ended abruptly ({why}); watch again from the last resourceVersion", null, inner);

    public static KubeApiException InvalidResponse(string verb, string path, string why, Exception? inner = null) =>
        new(0, "InvalidResponse", $"{verb} {path}: the API server's answer could not be read: {why}", null, inner);

    // The credential provider's message already names the kubeconfig user and what failed, never the token.
    private static KubeApiException Credentials(string verb, string path, Exception e) =>
        new(0, "CredentialsUnavailable", $"{verb} {path}: {e.Message}", null, e);

    private static KubeApiException FromResponse(HttpResponseMessageWrapper response, string verb, string path, TimeProvider time)
    {
        var code = (int)response.StatusCode;
        V1Status? status = null;
        var text = response.Content?.Trim();
        if (text is { Length: > 0 } && text[0] == '{')
        {
            try { status = KubernetesJson.Deserialize<V1Status>(text); }
            catch (JsonException) { /* the status line alone still tells the caller what happened */ }
        }
        var reason = status?.Reason is { Length: > 0 } r ? r : DefaultReason(response.StatusCode);
        var detail = status?.Message is { Length: > 0 } m ? m
            : text is { Length: > 0 } && status is null ? $"HTTP {code}: {(text.Length > 200 ? text[..200] + "..." : text)}"
            : $"HTTP {code} {response.ReasonPhrase}";
        return new KubeApiException(code, reason, $"{verb} {path}: {detail}", RetryAfter(response, status, time));
    }

    private static KubeApiException FromStatus(V1Status status, string verb, string path)
    {
        var code = status.Code ?? 500;
        var reason = status.Reason is { Length: > 0 } r ? r : DefaultReason((HttpStatusCode)code);
        var retryAfter = status.Details?.RetryAfterSeconds is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        return new KubeApiException(code, reason, $"{verb} {path}: {status.Message ?? reason}", retryAfter);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessageWrapper response, V1Status? status, TimeProvider time)
    {
        if (response.Headers is { } headers && headers.TryGetValue("Retry-After", out var values) && values.FirstOrDefault() is { } value)
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return TimeSpan.FromSeconds(seconds);
            }
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                var wait = date - time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }
        return status?.Details?.RetryAfterSeconds is > 0 and var after ? TimeSpan.FromSeconds(after) : null;
    }

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

/// <summary>What an error message needs to know about the client that made the call.</summary>
internal sealed record KubeApiCall(Uri Server, TimeSpan Timeout, TimeProvider Time);
