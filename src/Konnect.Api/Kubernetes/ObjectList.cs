using System.Text.Json;

namespace Konnect.Api.Kubernetes;

/// <summary>A list response: items plus the list's resourceVersion and continue token (list chunking).</summary>
public sealed record ObjectList<T>
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public ListMeta Metadata { get; set; } = new();
    public List<T> Items { get; set; } = [];
}

public sealed record ListMeta
{
    public string? ResourceVersion { get; set; }
    public string? Continue { get; set; }
    public long? RemainingItemCount { get; set; }
}

/// <summary>One line of a watch stream, before its object is decoded: ERROR events carry a Status instead of T.</summary>
public sealed record RawWatchEvent
{
    /// <summary>ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.</summary>
    public string Type { get; set; } = "";
    public JsonElement Object { get; set; }
}

/// <summary>meta/v1 Status: what the API server returns on errors (and in ERROR watch events).</summary>
public sealed record ApiStatus
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Status { get; set; }
    public string? Message { get; set; }
    public string? Reason { get; set; }
    public int? Code { get; set; }
    public ApiStatusDetails? Details { get; set; }
}

public sealed record ApiStatusDetails
{
    public string? Name { get; set; }
    public string? Kind { get; set; }
    public int? RetryAfterSeconds { get; set; }
}
