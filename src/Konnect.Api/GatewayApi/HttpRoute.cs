using Konnect.Api.Kubernetes;

namespace Konnect.Api.GatewayApi;

/// <summary>HTTPRoute: hostnames, parentRefs to Gateways and rules of matches, filters and weighted backendRefs.</summary>
public sealed record HttpRoute : IKubernetesObject
{
    public const string KindName = "HTTPRoute";
    public string ApiVersion { get; set; } = GatewayApiGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public HttpRouteSpec Spec { get; set; } = new();
    public RouteStatus? Status { get; set; }
}

public sealed record HttpRouteSpec
{
    public List<ParentReference>? ParentRefs { get; set; }
    public List<string>? Hostnames { get; set; }
    public List<HttpRouteRule>? Rules { get; set; }
}

public sealed record ParentReference
{
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string? Namespace { get; set; }
    public string Name { get; set; } = "";
    public string? SectionName { get; set; }
    public int? Port { get; set; }
}

public sealed record HttpRouteRule
{
    public string? Name { get; set; }
    public List<HttpRouteMatch>? Matches { get; set; }
    public List<HttpRouteFilter>? Filters { get; set; }
    public List<HttpBackendRef>? BackendRefs { get; set; }
    public HttpRouteTimeouts? Timeouts { get; set; }
}

public sealed record HttpRouteMatch
{
    public HttpPathMatch? Path { get; set; }
    public List<HttpHeaderMatch>? Headers { get; set; }
    public List<HttpHeaderMatch>? QueryParams { get; set; }
    public string? Method { get; set; }
}

public sealed record HttpPathMatch
{
    /// <summary>Exact, PathPrefix (the default) or RegularExpression.</summary>
    public string? Type { get; set; }
    public string? Value { get; set; }
}

/// <summary>A header or query parameter match: Exact (the default) or RegularExpression.</summary>
public sealed record HttpHeaderMatch
{
    public string? Type { get; set; }
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
}

public sealed record HttpBackendRef
{
    public string? Group { get; set; }
    public string? Kind { get; set; }
    public string Name { get; set; } = "";
    public string? Namespace { get; set; }
    public int? Port { get; set; }
    public int? Weight { get; set; }
    public List<HttpRouteFilter>? Filters { get; set; }
}

public sealed record HttpRouteFilter
{
    /// <summary>RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, RequestRedirect, URLRewrite or ExtensionRef.</summary>
    public string Type { get; set; } = "";
    public HttpHeaderFilter? RequestHeaderModifier { get; set; }
    public HttpHeaderFilter? ResponseHeaderModifier { get; set; }
    public HttpRequestMirrorFilter? RequestMirror { get; set; }
    public HttpRequestRedirectFilter? RequestRedirect { get; set; }
    public HttpUrlRewriteFilter? UrlRewrite { get; set; }
    public LocalObjectReference? ExtensionRef { get; set; }
}

public sealed record HttpHeaderFilter
{
    public List<HttpHeader>? Set { get; set; }
    public List<HttpHeader>? Add { get; set; }
    public List<string>? Remove { get; set; }
}

public sealed record HttpHeader
{
    public string Name { get; set; } = "";
    public string Value { get; set; } = "";
}

public sealed record HttpRequestMirrorFilter
{
    public HttpBackendRef BackendRef { get; set; } = new();
    public int? Percent { get; set; }
    public HttpFraction? Fraction { get; set; }
}

/// <summary>numerator / denominator (100 when not given), as RequestMirror's fraction writes a share.</summary>
public sealed record HttpFraction
{
    public int Numerator { get; set; }
    public int? Denominator { get; set; }
}

public sealed record HttpRequestRedirectFilter
{
    public string? Scheme { get; set; }
    public string? Hostname { get; set; }
    public HttpPathModifier? Path { get; set; }
    public int? Port { get; set; }
    public int? StatusCode { get; set; }
}

public sealed record HttpUrlRewriteFilter
{
    public string? Hostname { get; set; }
    public HttpPathModifier? Path { get; set; }
}

public sealed record HttpPathModifier
{
    /// <summary>ReplaceFullPath or ReplacePrefixMatch.</summary>
    public string Type { get; set; } = "";
    public string? ReplaceFullPath { get; set; }
    public string? ReplacePrefixMatch { get; set; }
}

public sealed record LocalObjectReference
{
    public string Group { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
}

public sealed record HttpRouteTimeouts
{
    public string? Request { get; set; }
    public string? BackendRequest { get; set; }
}

/// <summary>The status of an HTTPRoute or GRPCRoute: one entry per parent this controller handles.</summary>
public sealed record RouteStatus
{
    public List<RouteParentStatus>? Parents { get; set; }
}

public sealed record RouteParentStatus
{
    public ParentReference ParentRef { get; set; } = new();
    public string ControllerName { get; set; } = "";
    public List<Condition> Conditions { get; set; } = [];
}
