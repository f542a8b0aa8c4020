using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Konnect.Api.V1Alpha1;

[Description("The API a route serves a version of. Routes in one namespace with the same name are versions of one API, served side by side (e.g. /v1 and /v2).")]
public sealed record RouteApi
{
    /// <summary>A DNS label; the translator holds folder mode to the same pattern.</summary>
    public const string NamePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
    public const string VersionPattern = "^[A-Za-z0-9]([-A-Za-z0-9._]*[A-Za-z0-9])?$";

    [Description("The API's name, shared by the routes that serve its versions, e.g. orders.")]
    [Required, MaxLength(63), RegularExpression(NamePattern)]
    public string Name { get; set; } = "";

    [Description("The version this route serves, e.g. v1 or 2026-06-01.")]
    [Required, MaxLength(63), RegularExpression(VersionPattern)]
    public string Version { get; set; } = "";

    [Description("Where this version is in its life; published when left out.")]
    public ApiLifecycle? Lifecycle { get; set; }

    [Description("Who sees this version on the developer portal: Listed (everyone who can open the portal), Internal (consumers of the route's namespace, signed in to the portal) or Hidden (the default: not on the portal).")]
    public ApiVisibility? Visibility { get; set; }

    [Description("A short title for the portal; the API's name when left out. The API shows its current version's title (see the API lifecycle guide).")]
    [MaxLength(128)]
    public string? Title { get; set; }

    [Description("What the API does, shown on the portal as plain text: markup in it is shown, never rendered.")]
    [MaxLength(4096)]
    public string? Description { get; set; }

    [Description("The team that owns the API; the portal groups APIs by namespace, then team.")]
    [MaxLength(63), RegularExpression(NamePattern)]
    public string? Team { get; set; }

    [Description("Tags to find the API by on the portal, e.g. payments.")]
    [MaxLength(16), RegularExpression(TagPattern)]
    public List<string>? Tags { get; set; }

    [Description("The version's OpenAPI document (3.0 or 3.1, JSON or YAML), shown on the portal as operations with their parameters and schemas.")]
    public ApiDocumentSource? Openapi { get; set; }

    /// <summary>A tag: lower-case letters, digits and '-', at most 32.</summary>
    public const string TagPattern = "^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$";
}

[JsonConverter(typeof(JsonStringEnumConverter<ApiVisibility>))]
public enum ApiVisibility { Hidden, Listed, Internal }

[Description("Where an OpenAPI document is read from: a ConfigMap or a URL, one of the two.")]
[CelRule("has(self.configMap) != has(self.url)", "give exactly one of configMap and url")]
public sealed record ApiDocumentSource
{
    [Description("A ConfigMap in the route's namespace. In a cluster it must carry the label konnect.dev/openapi: \"true\" (Konnect watches only labelled ConfigMaps).")]
    public ConfigMapKeyRef? ConfigMap { get; set; }

    [Description("An absolute http(s) URL the gateway fetches the document from (at most 1 MiB, within 10 s), again every 10 minutes; the last document fetched is kept while the URL fails.")]
    [MaxLength(2048), Format("uri")]
    public string? Url { get; set; }
}

[Description("A key of a ConfigMap in the route's namespace.")]
public sealed record ConfigMapKeyRef
{
    [Description("The ConfigMap's name.")]
    [Required, MaxLength(253)]
    public string Name { get; set; } = "";

    [Description("The key holding the document; openapi.yaml when left out.")]
    [MaxLength(253), RegularExpression("^[-._a-zA-Z0-9]+$")]
    public string? Key { get; set; }
}

[Description("Where an API version is in its life. Deprecated: every answer carries Deprecation (RFC 9745), Sunset (RFC 8594) and Link headers. Retired: every request is answered 410 Gone.")]
[CelRule("self.state != 'Deprecated' || has(self.deprecatedAt)", "a Deprecated API needs deprecatedAt, the date it was (or will be) deprecated")]
[CelRule("!has(self.enforceSunset) || !self.enforceSunset || has(self.sunsetAt)", "enforceSunset needs sunsetAt")]
public sealed record ApiLifecycle
{
    [Description("Published (the default), Deprecated or Retired.")]
    public ApiLifecycleState State { get; set; } = ApiLifecycleState.Published;

    [Description("When the version was (or will be) deprecated, RFC 3339 (2026-06-01T00:00:00Z). Sent as the Deprecation header; required when Deprecated.")]
    [Format("date-time"), MaxLength(64)]
    public string? DeprecatedAt { get; set; }

    [Description("When the version stops being served, RFC 3339; not before deprecatedAt. Sent as the Sunset header while Deprecated.")]
    [Format("date-time"), MaxLength(64)]
    public string? SunsetAt { get; set; }

    [Description("Answer 410 Gone from sunsetAt on, as if Retired. Off by default: the Sunset header announces, the route keeps serving.")]
    public bool? EnforceSunset { get; set; }

    [Description("The version that replaces this one: an absolute http(s) URL or a path on the same host (/v2). Sent as Link rel=\"successor-version\" and named in the 410 answer.")]
    [MaxLength(2048)]
    public string? Successor { get; set; }

    [Description("A page about the deprecation and how to move off it: an absolute http(s) URL or a path. Sent as Link rel=\"deprecation\" (RFC 9745).")]
    [MaxLength(2048)]
    public string? Documentation { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ApiLifecycleState>))]
public enum ApiLifecycleState { Published, Deprecated, Retired }
