namespace Konnect.Api.Kubernetes;

/// <summary>
/// networking.k8s.io/v1 Ingress: the fields Konnect translates into routes, and the status it publishes. Field names
/// and meanings are the Kubernetes API's (https://kubernetes.io/docs/reference/kubernetes-api/service-resources/ingress-v1/).
/// </summary>
public sealed record Ingress : IKubernetesObject
{
    public const string KindName = "Ingress";
    public const string GroupVersion = "networking.k8s.io/v1";

    /// <summary>Names KonnectPolicies in the Ingress's namespace, comma-separated, applied in order to every path.</summary>
    public const string PoliciesAnnotation = "konnect.dev/policies";

    /// <summary>The class annotation that predates spec.ingressClassName; still honoured, as by every controller.</summary>
    public const string ClassAnnotation = "kubernetes.io/ingress.class";

    public string ApiVersion { get; set; } = GroupVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public IngressSpec Spec { get; set; } = new();
    public IngressStatus? Status { get; set; }
}

public sealed record IngressSpec
{
    public string? IngressClassName { get; set; }
    public IngressBackend? DefaultBackend { get; set; }
    public List<IngressTls>? Tls { get; set; }
    public List<IngressRule>? Rules { get; set; }
}

public sealed record IngressTls
{
    public List<string>? Hosts { get; set; }
    public string? SecretName { get; set; }
}

public sealed record IngressRule
{
    public string? Host { get; set; }
    public HttpIngressRuleValue? Http { get; set; }
}

public sealed record HttpIngressRuleValue
{
    public List<HttpIngressPath> Paths { get; set; } = [];
}

public sealed record HttpIngressPath
{
    public string? Path { get; set; }

    /// <summary>Exact, Prefix or ImplementationSpecific; required by the API server, so a missing one is refused.</summary>
    public string? PathType { get; set; }

    public IngressBackend Backend { get; set; } = new();
}

public sealed record IngressBackend
{
    public IngressServiceBackend? Service { get; set; }
    public TypedLocalObjectReference? Resource { get; set; }
}

public sealed record IngressServiceBackend
{
    public string Name { get; set; } = "";
    public ServiceBackendPort? Port { get; set; }
}

public sealed record ServiceBackendPort
{
    public string? Name { get; set; }
    public int? Number { get; set; }
}

public sealed record TypedLocalObjectReference
{
    public string? ApiGroup { get; set; }
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
}

public sealed record IngressStatus
{
    public IngressLoadBalancerStatus? LoadBalancer { get; set; }
}

public sealed record IngressLoadBalancerStatus
{
    public List<IngressLoadBalancerIngress>? Ingress { get; set; }
}

public sealed record IngressLoadBalancerIngress
{
    public string? Ip { get; set; }
    public string? Hostname { get; set; }
}

/// <summary>networking.k8s.io/v1 IngressClass (cluster-scoped): which controller serves the Ingresses naming it.</summary>
public sealed record IngressClass : IKubernetesObject
{
    public const string KindName = "IngressClass";

    /// <summary>spec.controller of the classes Konnect serves.</summary>
    public const string KonnectController = "konnect.dev/ingress-controller";

    /// <summary>Marks the class that Ingresses without any class belong to.</summary>
    public const string DefaultAnnotation = "ingressclass.kubernetes.io/is-default-class";

    public string ApiVersion { get; set; } = Ingress.GroupVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public IngressClassSpec Spec { get; set; } = new();
}

public sealed record IngressClassSpec
{
    public string? Controller { get; set; }
}
