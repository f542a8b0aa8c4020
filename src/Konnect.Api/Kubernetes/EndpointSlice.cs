namespace Konnect.Api.Kubernetes;

/// <summary>discovery.k8s.io/v1 EndpointSlice: the ready addresses behind a Service.</summary>
public sealed record EndpointSlice : IKubernetesObject
{
    /// <summary>The label that ties a slice to its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public string ApiVersion { get; init; } = "discovery.k8s.io/v1";
    public string Kind { get; init; } = "EndpointSlice";
    public ObjectMeta Metadata { get; init; } = new();
    /// <summary>IPv4, IPv6 or FQDN.</summary>
    public string? AddressType { get; init; }
    public List<Endpoint>? Endpoints { get; init; }
    public List<EndpointPort>? Ports { get; init; }
}

public sealed record Endpoint
{
    public List<string> Addresses { get; init; } = [];
    public EndpointConditions? Conditions { get; init; }
    public string? Hostname { get; init; }
    public string? NodeName { get; init; }
    public string? Zone { get; init; }
}

public sealed record EndpointConditions
{
    /// <summary>Null means ready, as the Kubernetes API defines it.</summary>
    public bool? Ready { get; init; }
    public bool? Serving { get; init; }
    public bool? Terminating { get; init; }
}

public sealed record EndpointPort
{
    public string? Name { get; init; }
    public int? Port { get; init; }
    public string? Protocol { get; init; }
    public string? AppProtocol { get; init; }
}
