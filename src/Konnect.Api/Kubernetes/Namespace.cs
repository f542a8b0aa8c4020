namespace Konnect.Api.Kubernetes;

/// <summary>core/v1 Namespace: Konnect reads its labels, for a Gateway listener's allowedRoutes namespace selector.</summary>
public sealed record Namespace : IKubernetesObject
{
    public const string KindName = "Namespace";
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
}
