namespace Konnect.Api.Kubernetes;

/// <summary>core/v1 Service: Konnect reads its ports (to map a route's port name or number) and ExternalName.</summary>
public sealed record Service : IKubernetesObject
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Service";
    public ObjectMeta Metadata { get; set; } = new();
    public ServiceSpec Spec { get; set; } = new();
}

public sealed record ServiceSpec
{
    /// <summary>ClusterIP (default), NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; set; }
    public List<ServicePort>? Ports { get; set; }
    public string? ExternalName { get; set; }
    public string? ClusterIP { get; set; }
}

public sealed record ServicePort
{
    public string? Name { get; set; }
    public int Port { get; set; }
    public IntOrString? TargetPort { get; set; }
    public string? Protocol { get; set; }
    public string? AppProtocol { get; set; }
}
