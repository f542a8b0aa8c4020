using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// Response caching in the gateway. GET and HEAD answers with a cacheable status are kept for ttl, per method, host,
/// path, query and (on authenticated routes) consumer; the upstream's Cache-Control and Vary are honoured.
/// </summary>
public sealed record CachePolicy
{
    [Description("How long an answer is served from the cache, e.g. 30s or 5m. A shorter s-maxage or max-age from the upstream wins.")]
    [Required, RegularExpression(Duration.Pattern)]
    public string Ttl { get; set; } = "";

    [Description("Largest body kept, e.g. 512Ki or 1Mi (the default). Larger answers stream through uncached, never buffered whole.")]
    [DefaultValue("1Mi"), RegularExpression(ByteSize.Pattern)]
    public string? MaxBodySize { get; set; }

    [Description("Whether answers carrying Set-Cookie may be cached and replayed to every caller with the same key. Off by default: such answers are never cached.")]
    public bool CacheSetCookie { get; set; }

    [Description("Request headers whose values are part of the key, besides those the upstream names in its Vary header (e.g. Accept-Language).")]
    [MaxLength(16), RegularExpression(IpAccessPolicy.HeaderNamePattern)]
    public List<string>? VaryBy { get; set; }
}
