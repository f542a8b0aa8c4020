namespace Konnect.Api.Kubernetes;

/// <summary>discovery.k8s.io/v1 EndpointSlice: the ready addresses behind a Service.</summary>
public sealed record EndpointSlice : IKubernetesObject
{
    /// <summary>The label that ties a slice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public string ApiVersion { get; set; } = "discovery.k8s.io/v1";
    public string Kind { get; set; } = "EndpointSlice";
    public ObjectMeta Metadata { get; set; } = new();
    /// <summary>IPv4, IPv6 or FQDN.</summary>
    public string? AddressType { get; set; }
    public List<Endpoint>? Endpoints { get; set; }
    public List<EndpointPort>? Ports { get; set; }
}

public sealed record Endpoint
{
    public List<string> Addresses { get; set; } = [];
    public EndpointConditions? Conditions { get; set; }
    public string? Hostname { get; set; }
    public string? NodeName { get; set; }
    public string? Zone { get; set; }
}

public sealed record EndpointConditions
{
    /// <summary>Null means ready, as the Kubernetes API defines it.</summary>
    public bool? Ready { get; set; }
    public bool? Serving { get; set; }
    public bool? Terminating { get; set; }
}

public sealed record EndpointPort
{
    public string? Name { get; set; }
    public int? Port { get; set; }
    public string? Protocol { get; set; }
    public string? AppProtocol { get; set; }
}
