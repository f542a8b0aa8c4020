using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Konnect.Api.Kubernetes;

namespace Konnect.Api.V1Alpha1;

[Description("KonnectRoute exposes an API: the hosts and requests it matches and the backends it sends them to.")]
[CustomResource("KonnectRoute", "konnectroutes", ShortNames = ["kr"], Categories = ["konnect"])]
[PrinterColumn("Hosts", "string", ".spec.hosts")]
[PrinterColumn("Accepted", "string", ".status.conditions[?(@.type==\"Accepted\")].status")]
[PrinterColumn("Programmed", "string", ".status.conditions[?(@.type==\"Programmed\")].status")]
[PrinterColumn("API", "string", ".spec.api.name", Priority = 1)]
[PrinterColumn("Version", "string", ".spec.api.version", Priority = 1)]
[PrinterColumn("Lifecycle", "string", ".spec.api.lifecycle.state")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed record KonnectRoute : IKubernetesObject
{
    public const string KindName = "KonnectRoute";
    public string ApiVersion { get; set; } = KonnectGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    [Required]
    public KonnectRouteSpec Spec { get; set; } = new();
    public KonnectStatus? Status { get; set; }
}

public sealed record KonnectRouteSpec
{
    [Description("Host names this route serves, exact (api.example.com) or with one leading wildcard label (*.example.com). Empty means every host.")]
    [MaxLength(16)]
    [RegularExpression(KonnectGroup.HostnamePattern)]
    public List<string>? Hosts { get; set; }

    [Description("TLS for the route's hosts: the certificate served on the HTTPS listener (chosen by SNI), an HTTP-to-HTTPS redirect and HSTS.")]
    public RouteTls? Tls { get; set; }

    [Description("KonnectPolicy names in the route's namespace, applied in order to every rule.")]
    [MaxLength(16)]
    public List<string>? Policies { get; set; }

    [Description("The API and version this route serves, and its lifecycle: deprecation headers, 410 once retired.")]
    public RouteApi? Api { get; set; }

    /// <summary>
    /// KonnectPolicies that reach this route through Gateway API policy attachment (targetRefs on its Gateways, then on
    /// it), applied before <see cref="Policies"/>. Set only by the Gateway API translation: not part of the API.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public List<Konnect.Api.Kubernetes.NamespacedName>? InheritedPolicies { get; set; }

    /// <summary>
    /// "http" or "https" when the route is served over that scheme alone (a Gateway API route attached to listeners of
    /// one protocol); null for both. Set only by the Gateway API translation: not part of the API.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Scheme { get; set; }

    [Description("Rules in the order written; precedence between them follows Gateway API (exact path, longer prefix, regex, then more matchers).")]
    [Required, MinLength(1), MaxLength(64)]
    public List<RouteRule> Rules { get; set; } = [];
}

[CelRule("!has(self.rewrite) || !has(self.matches) || self.matches.all(m, !has(m.path) || m.path.type == 'PathPrefix')",
    "rewrite.pathPrefix needs every match of the rule to be a PathPrefix match")]
public sealed record RouteRule
{
    [Description("Optional name of the rule, shown in status and metrics.")]
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), System.ComponentModel.DataAnnotations.MaxLength(63)]
    public string? Name { get; set; }

    [Description("Requests the rule matches; any one match is enough. No matches means every request (PathPrefix /).")]
    [MaxLength(16)]
    public List<RouteMatch>? Matches { get; set; }

    [Description("Where matched requests go. Weights split traffic between backends. Required, except on a rule that redirects or whose policies set ai (it answers the AI APIs itself).")]
    [MaxLength(16)]
    public List<RouteBackend>? Backends { get; set; }

    [Description("KonnectPolicy names in the route's namespace applied to this rule after the route's own.")]
    [MaxLength(16)]
    public List<string>? Policies { get; set; }

    [Description("Changes the request before it goes upstream.")]
    public RouteRewrite? Rewrite { get; set; }

    [Description("How long the upstream may take to start (and keep) answering before the gateway answers 504, e.g. 10s or 500ms.")]
    [RegularExpression(Duration.Pattern)]
    public string? Timeout { get; set; }

    /// <summary>
    /// An HTTPRoute rule's timeouts: a deadline for the whole upstream exchange, answer included (a stream still
    /// sending when it passes is cut). Not a KonnectRoute field: its timeout bounds silence, which streams need.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? RequestTimeout { get; set; }

    [Description("Also sends a copy of a share of the rule's requests to another backend; its answers are discarded and it never affects the client's response.")]
    public RouteMirror? Mirror { get; set; }

    [Description("More mirrors, after mirror: each gets its own copies, sampled by its own percent (an HTTPRoute rule's RequestMirror filters come here).")]
    [MaxLength(8)]
    public List<RouteMirror>? Mirrors { get; set; }

    /// <summary>mirror, then mirrors.</summary>
    public IEnumerable<RouteMirror> EveryMirror() => Mirror is null ? Mirrors ?? [] : [Mirror, .. Mirrors ?? []];

    [Description("Answers the rule's requests with a redirect (Location and status) instead of proxying; backends are not used.")]
    public RouteRedirect? Redirect { get; set; }
}

public sealed record RouteMatch
{
    [Description("How the request path must look. Defaults to PathPrefix /.")]
    public PathMatch? Path { get; set; }

    [Description("HTTP methods the match accepts; empty means any.")]
    [MaxLength(9)]
    public List<HttpMethodName>? Methods { get; set; }

    [Description("Request headers that must all be present with matching values.")]
    [MaxLength(16)]
    public List<NameValueMatch>? Headers { get; set; }

    [Description("Query parameters that must all be present with matching values.")]
    [MaxLength(16)]
    public List<NameValueMatch>? Query { get; set; }
}

[CelRule("self.type != 'Exact' && self.type != 'PathPrefix' || self.value.startsWith('/')", "an Exact or PathPrefix path must start with /")]
public sealed record PathMatch
{
    [DefaultValue("PathPrefix")]
    public PathMatchType Type { get; set; } = PathMatchType.PathPrefix;

    [Description("The path, or a regular expression that must match the whole path for RegularExpression.")]
    [DefaultValue("/"), MaxLength(1024)]
    public string Value { get; set; } = "/";
}

[JsonConverter(typeof(JsonStringEnumConverter<PathMatchType>))]
public enum PathMatchType { Exact, PathPrefix, RegularExpression }

[JsonConverter(typeof(JsonStringEnumConverter<ValueMatchType>))]
public enum ValueMatchType { Exact, RegularExpression }

[JsonConverter(typeof(JsonStringEnumConverter<HttpMethodName>))]
public enum HttpMethodName { GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE, PATCH }

public sealed record NameValueMatch
{
    [Description("Header or query parameter name. Header names are case-insensitive; query names are not.")]
    [Required, MinLength(1), MaxLength(256)]
    public string Name { get; set; } = "";

    [DefaultValue("Exact")]
    public ValueMatchType Type { get; set; } = ValueMatchType.Exact;

    [Description("The exact value, or a regular expression that must match the whole value.")]
    [Required, MaxLength(4096)]
    public string Value { get; set; } = "";
}

[CelRule("has(self.service) != has(self.url)", "set exactly one of service or url")]
[CelRule("!has(self.service) || has(self.port)", "a service backend needs a port (number or name)")]
public sealed record RouteBackend
{
    [Description("A Service in the route's namespace.")]
    [RegularExpression("^[a-z]([-a-z0-9]*[a-z0-9])?$"), MaxLength(63)]
    public string? Service { get; set; }

    [Description("The Service port, by number or by name.")]
    public IntOrString? Port { get; set; }

    [Description("A static upstream outside the cluster, such as http://legacy.internal:8080.")]
    [RegularExpression("^https?://[^\\s/?#]+(/[^\\s?#]*)?$"), MaxLength(2048)]
    public string? Url { get; set; }

    /// <summary>
    /// The Service's namespace when it is not the route's: set only by the Gateway API translation, after a
    /// ReferenceGrant allowed the reference. Not part of the KonnectRoute API (a KonnectRoute's references stay in its
    /// namespace), so it is neither read nor written as JSON and not in the CRD.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Namespace { get; set; }

    [Description("Relative share of the rule's traffic; 0 sends none.")]
    [DefaultValue(1), Range(0, 10000)]
    public int Weight { get; set; } = 1;

    [Description("Reach this backend over https (set it to {} for the defaults). Also on without it for a Service port named https or with appProtocol https, and for an https:// url.")]
    public BackendTls? Tls { get; set; }

    [Description("How Konnect talks to this upstream: http (HTTP/1.1, the default) or h2c / grpc (HTTP/2 without TLS, "
        + "prior knowledge; gRPC needs it). Unset on a service backend: the Service port's appProtocol "
        + "(kubernetes.io/h2c, h2c, grpc, http2) or name (grpc, h2c, http2, or grpc-*, h2c-*, http2-*) decides. "
        + "All backends of a rule must agree.")]
    [RegularExpression("^(http|h2c|grpc)$")]
    public string? AppProtocol { get; set; }
}

public sealed record RouteRewrite
{
    [Description("Replaces the matched path prefix, e.g. /orders/42 matched by PathPrefix /orders becomes /42 with pathPrefix /.")]
    [RegularExpression("^/.*$"), MaxLength(1024)]
    public string? PathPrefix { get; set; }
}
