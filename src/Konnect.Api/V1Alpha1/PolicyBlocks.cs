using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// Client address allow and deny lists. The patterns only keep obvious garbage out of the API server; the translator
/// parses every entry and rejects the policy (InvalidSpec) naming the one that does not parse.
/// </summary>
public sealed record IpAccessPolicy
{
    public const string AddressPattern = "^[0-9a-fA-F:.]+(/[0-9]{1,3})?$";
    public const string HeaderNamePattern = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

    [Description("Addresses or CIDR ranges (IPv4 or IPv6) that may call. When set, any other address is refused with 403.")]
    [MaxLength(256), RegularExpression(AddressPattern)]
    public List<string>? Allow { get; set; }

    [Description("Addresses or CIDR ranges refused with 403. Deny wins over allow.")]
    [MaxLength(256), RegularExpression(AddressPattern)]
    public List<string>? Deny { get; set; }

    [Description("CIDR ranges of proxies in front of the gateway. Only when the connection comes from one of them is the client address read from forwardedHeader (the right-most entry that is not itself a trusted proxy).")]
    [MaxLength(64), RegularExpression(AddressPattern)]
    public List<string>? TrustedProxies { get; set; }

    [Description("The header trusted proxies put the client address in. Defaults to X-Forwarded-For.")]
    [DefaultValue("X-Forwarded-For"), RegularExpression(HeaderNamePattern), MaxLength(64)]
    public string? ForwardedHeader { get; set; }
}

/// <summary>Cross-origin resource sharing, answered by the gateway (preflights never reach the upstream).</summary>
public sealed record CorsPolicy
{
    public const string OriginPattern = @"^(\*|https?://(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?)$";

    [Description("Allowed origins: exact (https://app.example.com), one wildcard subdomain level or more (https://*.example.com, which does not match https://example.com), or \"*\" for any origin (not with allowCredentials).")]
    [Required, MinLength(1), MaxLength(64), RegularExpression(OriginPattern)]
    public List<string> AllowOrigins { get; set; } = [];

    [Description("Methods a preflight may ask for. Defaults to GET, HEAD, POST.")]
    [MaxLength(9)]
    public List<HttpMethodName>? AllowMethods { get; set; }

    [Description("Request headers a preflight may ask for (case-insensitive), or \"*\" for any.")]
    [MaxLength(64), RegularExpression(IpAccessPolicy.HeaderNamePattern)]
    public List<string>? AllowHeaders { get; set; }

    [Description("Response headers scripts on the allowed origins may read.")]
    [MaxLength(64), RegularExpression(IpAccessPolicy.HeaderNamePattern)]
    public List<string>? ExposeHeaders { get; set; }

    [Description("Whether cookies and credentials may be sent (Access-Control-Allow-Credentials: true). Not allowed with the \"*\" origin.")]
    public bool AllowCredentials { get; set; }

    [Description("How long browsers may cache a preflight answer, e.g. 10m. Unset leaves it to the browser.")]
    [RegularExpression(Duration.Pattern)]
    public string? MaxAge { get; set; }
}
