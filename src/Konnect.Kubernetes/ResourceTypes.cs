using Konnect.Api.Json;
using Konnect.Api.CertManager;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Kubernetes;

/// <summary>The kinds Konnect reads, and writes the status of.</summary>
public static class ResourceTypes
{
    private static readonly KonnectJsonContext Json = KonnectJsonContext.Default;

    public static readonly ResourceType<KonnectRoute> KonnectRoutes =
        new(KonnectGroup.Group, KonnectGroup.Version, "konnectroutes", KonnectRoute.KindName, Json.KonnectRoute, Json.ObjectListKonnectRoute);
    public static readonly ResourceType<KonnectPolicy> KonnectPolicies =
        new(KonnectGroup.Group, KonnectGroup.Version, "konnectpolicies", KonnectPolicy.KindName, Json.KonnectPolicy, Json.ObjectListKonnectPolicy);
    public static readonly ResourceType<KonnectConsumer> KonnectConsumers =
        new(KonnectGroup.Group, KonnectGroup.Version, "konnectconsumers", KonnectConsumer.KindName, Json.KonnectConsumer, Json.ObjectListKonnectConsumer);

    /// <summary>cert-manager's Certificates: absent (404) where cert-manager is not installed.</summary>
    public static readonly ResourceType<Certificate> Certificates =
        new(CertManagerGroup.Group, CertManagerGroup.Version, "certificates", Certificate.KindName, Json.Certificate, Json.ObjectListCertificate);

    public static readonly ResourceType<Service> Services = new("", "v1", "services", "Service", Json.Service, Json.ObjectListService);
    public static readonly ResourceType<EndpointSlice> EndpointSlices =
        new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", Json.EndpointSlice, Json.ObjectListEndpointSlice);
    public static readonly ResourceType<Secret> Secrets = new("", "v1", "secrets", "Secret", Json.Secret, Json.ObjectListSecret);
    /// <summary>core/v1 ConfigMaps; the cluster source reads only those labelled <see cref="ConfigMap.OpenApiLabel"/>=true.</summary>
    public static readonly ResourceType<ConfigMap> ConfigMaps =
        new("", "v1", "configmaps", "ConfigMap", Json.ConfigMap, Json.ObjectListConfigMap);

    /// <summary>networking.k8s.io/v1 Ingresses; the leader writes status.loadBalancer of Konnect's.</summary>
    public static readonly ResourceType<Ingress> Ingresses =
        new("networking.k8s.io", "v1", "ingresses", Ingress.KindName, Json.Ingress, Json.ObjectListIngress);
    /// <summary>networking.k8s.io/v1 IngressClasses: cluster-scoped, so always listed and watched cluster-wide.</summary>
    public static readonly ResourceType<IngressClass> IngressClasses =
        new("networking.k8s.io", "v1", "ingressclasses", IngressClass.KindName, Json.IngressClass, Json.ObjectListIngressClass);

    /// <summary>core/v1 Namespaces: cluster-scoped; their labels feed a Gateway listener's allowedRoutes selector.</summary>
    public static readonly ResourceType<Namespace> Namespaces = new("", "v1", "namespaces", Namespace.KindName, Json.Namespace, Json.ObjectListNamespace);

    // The Gateway API: its CRDs are the user's to install, so each of these may answer 404 until they are.

    /// <summary>gateway.networking.k8s.io/v1 GatewayClasses: cluster-scoped; the leader writes the status of Konnect's.</summary>
    public static readonly ResourceType<GatewayClass> GatewayClasses =
        new(GatewayApiGroup.Group, GatewayApiGroup.Version, "gatewayclasses", GatewayClass.KindName, Json.GatewayClass, Json.ObjectListGatewayClass);
    public static readonly ResourceType<Gateway> Gateways =
        new(GatewayApiGroup.Group, GatewayApiGroup.Version, "gateways", Gateway.KindName, Json.Gateway, Json.ObjectListGateway);
    public static readonly ResourceType<HttpRoute> HttpRoutes =
        new(GatewayApiGroup.Group, GatewayApiGroup.Version, "httproutes", HttpRoute.KindName, Json.HttpRoute, Json.ObjectListHttpRoute);
    public static readonly ResourceType<GrpcRoute> GrpcRoutes =
        new(GatewayApiGroup.Group, GatewayApiGroup.Version, "grpcroutes", GrpcRoute.KindName, Json.GrpcRoute, Json.ObjectListGrpcRoute);
    /// <summary>gateway.networking.k8s.io/v1beta1 ReferenceGrants (read only; they have no status).</summary>
    public static readonly ResourceType<ReferenceGrant> ReferenceGrants =
        new(GatewayApiGroup.Group, "v1beta1", "referencegrants", ReferenceGrant.KindName, Json.ReferenceGrant, Json.ObjectListReferenceGrant);
}

/// <summary>One page of a list.</summary>
public sealed record ListOptions
{
    public int? Limit { get; init; }
    /// <summary>The previous page's continue token.</summary>
    public string? Continue { get; init; }
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    /// <summary>Null or "" asks for the most recent state (a quorum read).</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>
    /// The API server refuses resourceVersion (other than "0") together with continue, since the token already pins the
    /// snapshot; a first page asks for a version not older than the one given.
    /// </summary>
    internal (string? Continue, string? ResourceVersion, string? Match) Query() =>
        !string.IsNullOrEmpty(Continue) ? (Continue, null, null)
        : !string.IsNullOrEmpty(ResourceVersion) ? (null, ResourceVersion, "NotOlderThan")
        : (null, null, null);
}

/// <summary>A watch from <see cref="ResourceVersion"/>.</summary>
public sealed record WatchOptions
{
    public required string ResourceVersion { get; init; }
    public bool AllowWatchBookmarks { get; init; } = true;
    public int? TimeoutSeconds { get; init; }
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
}
