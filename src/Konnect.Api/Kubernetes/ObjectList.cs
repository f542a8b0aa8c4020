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
