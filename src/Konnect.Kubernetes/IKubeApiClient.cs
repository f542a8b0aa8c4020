using System.Text.Json.Nodes;
using Konnect.Api.Kubernetes;

namespace Konnect.Kubernetes;

/// <summary>
/// The few Kubernetes API calls Konnect makes. Ours because the package feed has no Kubernetes client; kept to this
/// interface so an implementation on KubernetesClient could replace it without touching the controller.
/// Every failure is a <see cref="KubeApiException"/> whose <see cref="KubeApiException.StatusCode"/> tells 401, 403,
/// 404, 409, 410, 422, 429 and 5xx apart.
/// </summary>
public interface IKubeApiClient
{
    Task<T> GetAsync<T>(ResourceType<T> type, string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject;

    /// <summary>One page of a list; pass <see cref="ListOptions.Continue"/> from the previous page for the next.</summary>
    Task<ObjectList<T>> ListAsync<T>(ResourceType<T> type, string? ns, ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject;

    /// <summary>
    /// Streams events from <see cref="WatchOptions.ResourceVersion"/> until the server ends the stream (timeoutSeconds)
    /// or the token is cancelled. An ERROR event with code 410 throws a <see cref="KubeApiException"/> with status 410.
    /// </summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType<T> type, string? ns, WatchOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject;

    Task<T> CreateAsync<T>(ResourceType<T> type, string? ns, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject;

    /// <summary>PUT with the object's resourceVersion: 409 Conflict when someone else wrote it first.</summary>
    Task<T> ReplaceAsync<T>(ResourceType<T> type, string? ns, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject;

    /// <summary>JSON merge patch (RFC 7386) of the object itself (spec, metadata); lists in the patch replace lists whole.</summary>
    Task<T> PatchAsync<T>(ResourceType<T> type, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
        where T : class, IKubernetesObject;

    /// <summary>JSON merge patch (RFC 7386) of the status subresource; never touches spec.</summary>
    Task<T> PatchStatusAsync<T>(ResourceType<T> type, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
        where T : class, IKubernetesObject;
}

public sealed record ListOptions
{
    public int? Limit { get; init; }
    public string? Continue { get; init; }
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    /// <summary>Null or "" asks for the most recent state (a quorum read).</summary>
    public string? ResourceVersion { get; init; }
}

public sealed record WatchOptions
{
    public required string ResourceVersion { get; init; }
    public bool AllowWatchBookmarks { get; init; } = true;
    public int? TimeoutSeconds { get; init; }
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
}

public enum WatchEventType { Added, Modified, Deleted, Bookmark }

/// <summary>One watch event. For a bookmark only <c>Object.Metadata.ResourceVersion</c> is meaningful.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T Object) where T : class, IKubernetesObject;

/// <summary>An error answer from the API server, with its HTTP status and the server's Status reason and message.</summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException() { }
    public KubeApiException(string message) : base(message) { }
    public KubeApiException(string message, Exception inner) : base(message, inner) { }

    public KubeApiException(int statusCode, string? reason, string message, TimeSpan? retryAfter = null) : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
        RetryAfter = retryAfter;
    }

    /// <summary>A failure on our side of the wire (StatusCode 0), keeping the transport exception that caused it.</summary>
    public KubeApiException(int statusCode, string? reason, string message, Exception? inner) : base(message, inner)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>The HTTP status (0 when the server could not be reached).</summary>
    public int StatusCode { get; }
    /// <summary>The Status reason, e.g. "Expired", "Conflict", "NotFound".</summary>
    public string? Reason { get; }
    /// <summary>From Retry-After (429, some 5xx) when the server sent one.</summary>
    public TimeSpan? RetryAfter { get; }

    public bool IsNotFound => StatusCode == 404;
    public bool IsConflict => StatusCode == 409;
    /// <summary>410 Gone: the resourceVersion is too old; relist.</summary>
    public bool IsGone => StatusCode == 410;
}
