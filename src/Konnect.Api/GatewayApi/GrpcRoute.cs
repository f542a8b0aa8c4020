using Konnect.Api.Kubernetes;

namespace Konnect.Api.GatewayApi;

/// <summary>GRPCRoute: gRPC calls matched by service and method (and headers), sent over HTTP/2 to weighted backendRefs.</summary>
public sealed record GrpcRoute : IKubernetesObject
{
    public const string KindName = "GRPCRoute";
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public GrpcRouteSpec Spec { get; set; } = new();
    public RouteStatus? Status { get; set; }
}

public sealed record GrpcRouteSpec
{
    public List<ParentReference>? ParentRefs { get; set; }
    public List<string>? Hostnames { get; set; }
    public List<GrpcRouteRule>? Rules { get; set; }
}

public sealed record GrpcRouteRule
{
    public string? Name { get; set; }
    public List<GrpcRouteMatch>? Matches { get; set; }

    /// <summary>The same filters as HTTPRoute's, but for redirects and rewrites.</summary>
    public List<HttpRouteFilter>? Filters { get; set; }

    public List<HttpBackendRef>? BackendRefs { get; set; }
}

public sealed record GrpcRouteMatch
{
    public GrpcMethodMatch? Method { get; set; }
    public List<HttpHeaderMatch>? Headers { get; set; }
}

public sealed record GrpcMethodMatch
{
    /// <summary>Exact (the default) or RegularExpression.</summary>
    public string? Type { get; set; }
    public string? Service { get; set; }
    public string? Method { get; set; }
}
