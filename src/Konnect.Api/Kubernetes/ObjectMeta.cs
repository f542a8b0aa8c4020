using System.Text.Json.Serialization;

namespace Konnect.Api.Kubernetes;

/// <summary>The subset of Kubernetes <c>metadata</c> that Konnect reads.</summary>
public sealed record ObjectMeta
{
    public string? Name { get; init; }
    public string? Namespace { get; init; }
    public string? Uid { get; init; }
    public string? ResourceVersion { get; init; }
    public long? Generation { get; init; }
    public DateTimeOffset? CreationTimestamp { get; init; }
    public DateTimeOffset? DeletionTimestamp { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    public List<OwnerReference>? OwnerReferences { get; init; }
}

public sealed record OwnerReference
{
    public string ApiVersion { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    public string Uid { get; init; } = "";
    public bool? Controller { get; init; }
    public bool? BlockOwnerDeletion { get; init; }
}

/// <summary>Every object Konnect reads: apiVersion, kind and metadata.</summary>
public interface IKubernetesObject
{
    string ApiVersion { get; }
    string Kind { get; }
    ObjectMeta Metadata { get; }
}

/// <summary>A standard Kubernetes condition (metav1.Condition).</summary>
public sealed record Condition
{
    public required string Type { get; init; }
    /// <summary>"True", "False" or "Unknown".</summary>
    public required string Status { get; init; }
    public long? ObservedGeneration { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateTimeOffset? LastTransitionTime { get; init; }
    public required string Reason { get; init; }
    public string Message { get; init; } = "";
}
