using System.Text.Json.Serialization;

namespace Konnect.Api.Kubernetes;

/// <summary>The subset of Kubernetes <c>metadata</c> that Konnect reads.</summary>
public sealed record ObjectMeta
{
    public string? Name { get; set; }
    public string? Namespace { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
    public long? Generation { get; set; }
    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? CreationTimestamp { get; set; }
    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? DeletionTimestamp { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Annotations { get; set; }
    public List<OwnerReference>? OwnerReferences { get; set; }
}

public sealed record OwnerReference
{
    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public string Uid { get; set; } = "";
    public bool? Controller { get; set; }
    public bool? BlockOwnerDeletion { get; set; }
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
    public required string Type { get; set; }
    /// <summary>"True", "False" or "Unknown".</summary>
    public required string Status { get; set; }
    public long? ObservedGeneration { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? LastTransitionTime { get; set; }
    public required string Reason { get; set; }
    public string Message { get; set; } = "";
}
