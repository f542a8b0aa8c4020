using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// Who is calling. Methods are tried in a fixed order (mtls when a client certificate came with the request, apiKey, basic, jwt, then anonymous): a request that presents a
/// credential for a method and fails it is refused (401) rather than falling back to anonymous.
/// </summary>
public sealed record AuthenticationPolicy
{
    [Description("API keys from a header or a query parameter, matched against the keys of KonnectConsumers.")]
    public ApiKeyAuthentication? ApiKey { get; set; }

    [Description("HTTP basic authentication against the basic credentials of KonnectConsumers.")]
    public BasicAuthentication? Basic { get; set; }

    [Description("A consumer to use when the request presents no credential at all. Without it such requests get 401.")]
    public AnonymousAuthentication? Anonymous { get; set; }

    [Description("JSON Web Tokens in Authorization: Bearer, verified with keys from a JWKS URI or a Secret and mapped to a KonnectConsumer by issuer and subject (or consumerClaim).")]
    public JwtAuthentication? Jwt { get; set; }

    [Description("Client certificates verified against a CA bundle from a Secret and mapped to a KonnectConsumer by subject or SAN. Tried first when the request came with a client certificate; only hosts whose routes use it ask for one.")]
    public MtlsAuthentication? Mtls { get; set; }
}

public sealed record ApiKeyAuthentication
{
    [Description("The request header that carries the key. Defaults to x-api-key.")]
    [DefaultValue("x-api-key"), RegularExpression(IpAccessPolicy.HeaderNamePattern), MaxLength(64)]
    public string? Header { get; set; }

    [Description("A query parameter that may carry the key instead of the header. Unset means keys are only read from the header.")]
    [RegularExpression("^[A-Za-z0-9._~-]+$"), MaxLength(64)]
    public string? Query { get; set; }
}

public sealed record BasicAuthentication
{
    [Description("The realm named in WWW-Authenticate on 401. Defaults to konnect.")]
    [DefaultValue("konnect"), RegularExpression("^[ -!#-~]+$"), MaxLength(64)]
    public string? Realm { get; set; }
}

public sealed record AnonymousAuthentication
{
    [Description("A KonnectConsumer in the policy's namespace.")]
    [Required, RegularExpression("^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")]
    public string Consumer { get; set; } = "";
}

/// <summary>
/// Which authenticated consumers may call. When consumerGroups or approvedConsumers is set, a consumer must match one
/// of them; requireSubscription is checked in addition. A known consumer that is not allowed gets 403.
/// </summary>
public sealed record AuthorizationPolicy
{
    [Description("Consumers in any of these groups may call.")]
    [MaxLength(64), RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    public List<string>? ConsumerGroups { get; set; }

    [Description("Consumers (namespace/name) that may call. Listing a consumer here is also how its subscription is approved.")]
    [MaxLength(256), RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")]
    public List<string>? ApprovedConsumers { get; set; }

    [Description("Only consumers that list the route in spec.subscriptions may call.")]
    public bool RequireSubscription { get; set; }
}

/// <summary>Credentials of a consumer, each a reference to a Secret in the consumer's namespace (values never live in the spec).</summary>
public sealed record ConsumerCredentials
{
    [Description("API keys; list several to rotate (add the new key, move callers, then remove the old one).")]
    [MaxLength(16)]
    public List<ApiKeyCredential>? ApiKeys { get; set; }

    [Description("A username and password for basic authentication, from the Secret keys username and password.")]
    public BasicCredential? Basic { get; set; }

    [Description("A JWT identity: tokens from this issuer whose subject (or the policy's consumerClaim) equals subject authenticate as this consumer.")]
    public JwtCredential? Jwt { get; set; }

    [Description("A client certificate identity: a certificate whose subject (or a DNS/URI SAN) equals this one authenticates as this consumer, on routes whose policy trusts its CA.")]
    public MtlsCredential? Mtls { get; set; }
}

public sealed record ApiKeyCredential
{
    [Description("The Secret holding the key, in the consumer's namespace.")]
    [Required, RegularExpression("^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"), MaxLength(253)]
    public string SecretName { get; set; } = "";

    [Description("The key inside the Secret. Defaults to api-key.")]
    [DefaultValue("api-key"), RegularExpression("^[-._a-zA-Z0-9]+$"), MaxLength(253)]
    public string? Key { get; set; }
}

public sealed record BasicCredential
{
    [Description("The Secret holding the keys username and password, in the consumer's namespace.")]
    [Required, RegularExpression("^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"), MaxLength(253)]
    public string SecretName { get; set; } = "";
}

public sealed record JwtCredential
{
    [Description("The token issuer (iss), exactly as the policy's issuer.")]
    [Required, MinLength(1), MaxLength(512)]
    public string Issuer { get; set; } = "";

    [Description("The value of the policy's consumerClaim (sub by default) that identifies this consumer.")]
    [Required, MinLength(1), MaxLength(512)]
    public string Subject { get; set; } = "";
}
