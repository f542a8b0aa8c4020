using Konnect.Api.Kubernetes;

namespace Konnect.Api.GatewayApi;

/// <summary>GatewayClass (cluster-scoped): which controller implements the Gateways naming it.</summary>
public sealed record GatewayClass : IKubernetesObject
{
    public const string KindName = "GatewayClass";
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public GatewayClassSpec Spec { get; set; } = new();
    public GatewayConditionsStatus? Status { get; set; }
}

public sealed record GatewayClassSpec
{
    public string ControllerName { get; set; } = "";
    public ParentReference? ParametersRef { get; set; }
}

/// <summary>A status that is only conditions (GatewayClass).</summary>
public sealed record GatewayConditionsStatus
{
    public List<Condition>? Conditions { get; set; }
}
