namespace Konnect.Api.Kubernetes;

/// <summary>coordination.k8s.io/v1 Lease, the lock behind leader election.</summary>
public sealed record Lease : IKubernetesObject
{
    public string ApiVersion { get; set; } = "coordination.k8s.io/v1";
    public string Kind { get; set; } = "Lease";
    public ObjectMeta Metadata { get; set; } = new();
    public LeaseSpec Spec { get; set; } = new();
}

public sealed record LeaseSpec
{
    public string? HolderIdentity { get; set; }
    public int? LeaseDurationSeconds { get; set; }
    /// <summary>MicroTime on the wire (RFC 3339 with microseconds).</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(KubeMicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }
    [System.Text.Json.Serialization.JsonConverter(typeof(KubeMicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }
    public int? LeaseTransitions { get; set; }
}
