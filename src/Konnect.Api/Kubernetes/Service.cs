namespace Konnect.Api.Kubernetes;

/// <summary>
/// core/v1 Service: Konnect reads its ports (to map a route's port name or number) and ExternalName; of the Service
/// named by --publish-service, its addresses (type, clusterIP, externalIPs, status.loadBalancer), which it publishes
/// in its Ingresses' status.
/// </summary>
public sealed record Service : IKubernetesObject
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Service";
    public ObjectMeta Metadata { get; set; } = new();
    public ServiceSpec Spec { get; set; } = new();
    public ServiceStatus? Status { get; set; }
}

public sealed record ServiceSpec
{
    /// <summary>ClusterIP (default), NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; set; }
    public List<ServicePort>? Ports { get; set; }
    public string? ExternalName { get; set; }
    public string? ClusterIP { get; set; }
    public List<string>? ExternalIPs { get; set; }
}

public sealed record ServiceStatus
{
    public ServiceLoadBalancerStatus? LoadBalancer { get; set; }
}

public sealed record ServiceLoadBalancerStatus
{
    public List<ServiceLoadBalancerIngress>? Ingress { get; set; }
}

/// <summary>One address a load balancer gave the Service: an IP, a host name, or both.</summary>
public sealed record ServiceLoadBalancerIngress
{
    public string? Ip { get; set; }
    public string? Hostname { get; set; }
}

public sealed record ServicePort
{
    public string? Name { get; set; }
    public int Port { get; set; }
    public IntOrString? TargetPort { get; set; }
    public string? Protocol { get; set; }
    public string? AppProtocol { get; set; }
}
