using Konnect.Api.Kubernetes;

namespace Konnect.Api.GatewayApi;

/// <summary>Gateway: listeners (protocol, port, hostname, TLS) and which routes may attach to them.</summary>
public sealed record Gateway : IKubernetesObject
{
    public const string KindName = "Gateway";
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public GatewaySpec Spec { get; set; } = new();
    public GatewayStatus? Status { get; set; }
}

public sealed record GatewaySpec
{
    public string GatewayClassName { get; set; } = "";
    public List<Listener> Listeners { get; set; } = [];
    public List<GatewayAddress>? Addresses { get; set; }
}

public sealed record Listener
{
    public string Name { get; set; } = "";
    public string? Hostname { get; set; }
    public int Port { get; set; }

    /// <summary>HTTP, HTTPS, TLS, TCP or UDP; Konnect serves HTTP and HTTPS.</summary>
    public string Protocol { get; set; } = "";

    public GatewayTlsConfig? Tls { get; set; }
    public AllowedRoutes? AllowedRoutes { get; set; }
}

public sealed record GatewayTlsConfig
{
    /// <summary>Terminate (the default) or Passthrough.</summary>
    public string? Mode { get; set; }
    public List<SecretObjectReference>? CertificateRefs { get; set; }
}

public sealed record SecretObjectReference
{
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
}

public sealed record AllowedRoutes
{
    public RouteNamespaces? Namespaces { get; set; }
    public List<RouteGroupKind>? Kinds { get; set; }
}

public sealed record RouteNamespaces
{
    /// <summary>Same (the default), All or Selector.</summary>
    public string? From { get; set; }
    public LabelSelector? Selector { get; set; }
}

public sealed record LabelSelector
{
    public Dictionary<string, string>? MatchLabels { get; set; }
    public List<LabelSelectorRequirement>? MatchExpressions { get; set; }
}

public sealed record LabelSelectorRequirement
{
    public string Key { get; set; } = "";

    /// <summary>In, NotIn, Exists or DoesNotExist.</summary>
    public string Operator { get; set; } = "";
    public List<string>? Values { get; set; }
}

public sealed record RouteGroupKind
{
    public string? Group { get; set; }
    public string Kind { get; set; } = "";
}

public sealed record GatewayAddress
{
    /// <summary>IPAddress (the default) or Hostname.</summary>
    public string? Type { get; set; }
    public string Value { get; set; } = "";
}

public sealed record GatewayStatus
{
    public List<GatewayAddress>? Addresses { get; set; }
    public List<Condition>? Conditions { get; set; }
    public List<ListenerStatus>? Listeners { get; set; }
}

public sealed record ListenerStatus
{
    public string Name { get; set; } = "";
    public List<RouteGroupKind> SupportedKinds { get; set; } = [];
    public int AttachedRoutes { get; set; }
    public List<Condition> Conditions { get; set; } = [];
}
