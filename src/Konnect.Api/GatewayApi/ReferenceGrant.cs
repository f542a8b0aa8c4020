using Konnect.Api.Kubernetes;

namespace Konnect.Api.GatewayApi;

/// <summary>ReferenceGrant: lets objects of the kinds and namespaces in from refer to the objects of to in this namespace.</summary>
public sealed record ReferenceGrant : IKubernetesObject
{
    public const string KindName = "ReferenceGrant";
    public string ApiVersion { get; set; } = GatewayApiGroup.BetaApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public ReferenceGrantSpec Spec { get; set; } = new();
}

public sealed record ReferenceGrantSpec
{
    public List<ReferenceGrantFrom> From { get; set; } = [];
    public List<ReferenceGrantTo> To { get; set; } = [];
}

public sealed record ReferenceGrantFrom
{
    public string Group { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Namespace { get; set; } = "";
}

public sealed record ReferenceGrantTo
{
    public string Group { get; set; } = "";
    public string Kind { get; set; } = "";
    public string? Name { get; set; }
}
