namespace Konnect.Api.Kubernetes;

/// <summary>events.k8s.io/v1 Event: what `kubectl describe` and `kubectl events` show about an object.</summary>
public sealed record Event : IKubernetesObject
{
    public string ApiVersion { get; set; } = "events.k8s.io/v1";
    public string Kind { get; set; } = "Event";
    public ObjectMeta Metadata { get; set; } = new();
    /// <summary>MicroTime on the wire.</summary>
    [System.Text.Json.Serialization.JsonConverter(typeof(KubeMicroTimeConverter))]
    public DateTimeOffset? EventTime { get; set; }
    public string? ReportingController { get; set; }
    public string? ReportingInstance { get; set; }
    public string? Action { get; set; }
    public string? Reason { get; set; }
    public ObjectReference? Regarding { get; set; }
    public string? Note { get; set; }
    /// <summary>Normal or Warning.</summary>
    public string? Type { get; set; }
}

public sealed record ObjectReference
{
    public string? ApiVersion { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string? Name { get; set; }
    public string? Uid { get; set; }
    public string? ResourceVersion { get; set; }
}
