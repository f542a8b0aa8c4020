namespace Konnect.Api.Kubernetes;

/// <summary>core/v1 Service: Konnect reads its ports (to map a route's port name or number) and ExternalName.</summary>
public sealed record Service : IKubernetesObject
{
    public string ApiVersion { get; init; } = "v1";
    public string Kind { get; init; } = "Service";
    public ObjectMeta Metadata { get; init; } = new();
    public ServiceSpec Spec { get; init; } = new();
}

public sealed record ServiceSpec
{
    /// <summary>ClusterIP (default), NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; init; }
    public List<ServicePort>? Ports { get; init; }
    public string? ExternalName { get; init; }
    public string? ClusterIP { get; init; }
}

public sealed record ServicePort
{
    public string? Name { get; init; }
    public int Port { get; init; }
    public IntOrString? TargetPort { get; init; }
    public string? Protocol { get; init; }
    public string? AppProtocol { get; init; }
}
