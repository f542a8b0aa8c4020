namespace Konnect.Model;

/// <summary>
/// The policy blocks a rule enforces, merged from its policies in order (the route's, then the rule's own). Each
/// block is taken whole from the last policy that sets it: blocks are not merged field by field, so what a rule
/// enforces is always exactly one policy's block, readable in that policy.
/// </summary>
public sealed record PoliciesModel
{
    public IpAccessModel? IpAccess { get; init; }
    public CorsModel? Cors { get; init; }
    public AuthenticationModel? Authentication { get; init; }
    public AuthorizationModel? Authorization { get; init; }
    public RateLimitModel? RateLimit { get; init; }
    public CacheModel? Cache { get; init; }
    public TransformModel? RequestTransform { get; init; }
    public TransformModel? ResponseTransform { get; init; }
    /// <summary>loadBalancing, healthCheck, retry and circuitBreaker; each merged as a whole block like the others.</summary>
    public ResilienceModel? Resilience { get; init; }
    /// <summary>The AI gateway: the rule answers the AI APIs itself instead of proxying to its backends.</summary>
    public AiModel? Ai { get; init; }

    /// <summary>True when no block is set.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => IpAccess is null
        && Cors is null
        && Authentication is null
        && Authorization is null
        && RateLimit is null
        && Cache is null
        && RequestTransform is null
        && ResponseTransform is null
        && Resilience is null
        && Ai is null;

    /// <summary>
    /// <paramref name="later"/>'s blocks over <paramref name="earlier"/>'s, each taken whole (the resilience blocks
    /// merge block by block, see <see cref="ResilienceModel.Merge"/>).
    /// </summary>
    public static PoliciesModel Then(PoliciesModel? earlier, PoliciesModel later) => earlier is null ? later : new()
    {
        IpAccess = later.IpAccess ?? earlier.IpAccess,
        Cors = later.Cors ?? earlier.Cors,
        Authentication = later.Authentication ?? earlier.Authentication,
        Authorization = later.Authorization ?? earlier.Authorization,
        RateLimit = later.RateLimit ?? earlier.RateLimit,
        Cache = later.Cache ?? earlier.Cache,
        RequestTransform = later.RequestTransform ?? earlier.RequestTransform,
        ResponseTransform = later.ResponseTransform ?? earlier.ResponseTransform,
        Resilience = ResilienceModel.Merge(earlier.Resilience, later.Resilience),
        Ai = later.Ai ?? earlier.Ai,
    };

}

/// <summary>Normalised CIDR ranges ("10.0.0.0/8", "2001:db8::/32"; single addresses get /32 or /128).</summary>
public sealed record IpAccessModel
{
    /// <summary>The policy this block came from.</summary>
    public required string Policy { get; init; }
    /// <summary>Empty means any address not denied.</summary>
    public IReadOnlyList<string> Allow { get; init; } = [];
    public IReadOnlyList<string> Deny { get; init; } = [];
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];
    public required string ForwardedHeader { get; init; }
}

public sealed record CorsModel
{
    /// <summary>The policy this block came from.</summary>
    public required string Policy { get; init; }
    /// <summary>Lower-case origins: exact, "scheme://*.suffix" or "*".</summary>
    public required IReadOnlyList<string> AllowOrigins { get; init; }
    /// <summary>Upper-case method names.</summary>
    public required IReadOnlyList<string> AllowMethods { get; init; }
    /// <summary>Lower-case header names; "*" means any.</summary>
    public IReadOnlyList<string> AllowHeaders { get; init; } = [];
    public IReadOnlyList<string> ExposeHeaders { get; init; } = [];
    public bool AllowCredentials { get; init; }
    /// <summary>Seconds browsers may cache a preflight; null leaves it to the browser.</summary>
    public int? MaxAgeSeconds { get; init; }
}

/// <summary>Methods tried in this order: mtls (when a client certificate was presented), apiKey, basic, jwt, anonymous. Null fields are methods the policy does not enable.</summary>
public sealed record AuthenticationModel
{
    public required string Policy { get; init; }
    /// <summary>Lower-case header carrying an API key; null when apiKey is not enabled.</summary>
    public string? ApiKeyHeader { get; init; }
    /// <summary>Query parameter that may carry an API key instead of the header.</summary>
    public string? ApiKeyQuery { get; init; }
    /// <summary>Realm for WWW-Authenticate; null when basic is not enabled.</summary>
    public string? BasicRealm { get; init; }
    /// <summary>"namespace/name" of the consumer for requests without any credential.</summary>
    public string? AnonymousConsumer { get; init; }
    /// <summary>Bearer JWT validation; null when jwt is not enabled.</summary>
    public JwtModel? Jwt { get; init; }
    /// <summary>Client certificate validation; null when mtls is not enabled. Tried first when a certificate was presented.</summary>
    public MtlsModel? Mtls { get; init; }
}

/// <summary>
/// A validated jwt block. Exactly one of <see cref="JwksUri"/> (the gateway fetches the keys: data-plane I/O) and
/// <see cref="Keys"/> (public keys read by the controller from a Secret) is set.
/// </summary>
public sealed record JwtModel
{
    public required string Issuer { get; init; }
    /// <summary>Empty means the audience is not checked.</summary>
    public IReadOnlyList<string> Audiences { get; init; } = [];
    /// <summary>Upper-case asymmetric algorithms (RS*, PS*, ES*), sorted.</summary>
    public required IReadOnlyList<string> Algorithms { get; init; }
    public string? JwksUri { get; init; }
    /// <summary>
    /// A JWKS document holding only public keys, read from the policy's keysSecret. Not serialised: it came from a
    /// Secret, so /config shows <see cref="KeysVersion"/> instead (which also makes a key change change the model version).
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Keys { get; init; }
    /// <summary>A short hash of <see cref="Keys"/>; null when the keys come from <see cref="JwksUri"/>.</summary>
    public string? KeysVersion { get; init; }
    public required TimeSpan ClockSkew { get; init; }
    public required string ConsumerClaim { get; init; }
    public IReadOnlyList<JwtClaimModel> RequiredClaims { get; init; } = [];
    public IReadOnlyList<string> RequiredScopes { get; init; } = [];
}

public sealed record JwtClaimModel(string Name, string Value);

public sealed record AuthorizationModel
{
    public required string Policy { get; init; }
    public IReadOnlyList<string> ConsumerGroups { get; init; } = [];
    /// <summary>"namespace/name" entries.</summary>
    public IReadOnlyList<string> ApprovedConsumers { get; init; } = [];
    public bool RequireSubscription { get; init; }
}
