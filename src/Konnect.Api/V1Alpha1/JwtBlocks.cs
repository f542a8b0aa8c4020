using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// Bearer JSON Web Tokens. Only asymmetric algorithms are accepted: HS* is refused by the translator, because a gateway
/// that accepts both HS and RS would let a caller sign with the public key as an HMAC secret (algorithm confusion).
/// The schema keeps the algorithm a plain string so that such a policy gets a precise InvalidSpec rather than a bare
/// schema error. Keys come from exactly one place: a JWKS URI the gateway fetches, or a Secret the controller reads.
/// </summary>
[CelRule("has(self.jwksUri) != has(self.keysSecret)", "set exactly one of jwksUri or keysSecret")]
public sealed record JwtAuthentication
{
    [Description("The required issuer (iss claim).")]
    [Required, MinLength(1), MaxLength(512)]
    public string Issuer { get; set; } = "";

    [Description("Accepted audiences (aud claim); a token must name one of them. Unset means the audience is not checked.")]
    [MaxLength(32)]
    public List<string>? Audiences { get; set; }

    [Description("Accepted signing algorithms: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512. Defaults to RS256 and ES256. none and HS* are refused.")]
    [MaxLength(9), RegularExpression("^[A-Za-z0-9]{2,8}$")]
    public List<string>? Algorithms { get; set; }

    [Description("The JWKS document (https or http URL) holding the issuer's public keys. Fetched by the gateway, cached, refreshed on an unknown kid (at most every 30s) and every 10 minutes. Set this or keysSecret.")]
    [MinLength(1), MaxLength(2048)]
    public string? JwksUri { get; set; }

    [Description("A Secret in the policy's namespace holding the issuer's public keys, as a JWKS document or PEM PUBLIC KEY blocks (RSA, EC P-256/384/521). Set this or jwksUri.")]
    public JwtKeysSecret? KeysSecret { get; set; }

    [Description("Tolerance for exp and nbf, e.g. 30s. Defaults to 30s.")]
    [DefaultValue("30s"), RegularExpression(Duration.Pattern)]
    public string? ClockSkew { get; set; }

    [Description("The claim whose value (with the issuer) names the KonnectConsumer, matched against the consumer's credentials.jwt.subject. Defaults to sub.")]
    [DefaultValue("sub"), MaxLength(128), RegularExpression("^[A-Za-z0-9_.:/-]+$")]
    public string? ConsumerClaim { get; set; }

    [Description("Claims the token must carry with exactly these string values; a token without them gets 403.")]
    [MaxLength(16)]
    public List<JwtRequiredClaim>? RequiredClaims { get; set; }

    [Description("Scopes the token must all carry, in a space-separated scope claim or an scp array; a token without them gets 403.")]
    [MaxLength(32), RegularExpression("^\\S+$")]
    public List<string>? RequiredScopes { get; set; }
}

/// <summary>
/// Where the public keys live when they do not come from a JWKS URI. Named like a consumer's credential references
/// (secretName, key); a separate record because the key's default differs and the Secret is in the policy's namespace.
/// </summary>
public sealed record JwtKeysSecret
{
    [Description("The Secret holding the public keys, in the policy's namespace.")]
    [Required, RegularExpression("^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"), MaxLength(253)]
    public string SecretName { get; set; } = "";

    [Description("The key inside the Secret. Defaults to jwks.json.")]
    [DefaultValue("jwks.json"), RegularExpression("^[-._a-zA-Z0-9]+$"), MaxLength(253)]
    public string? Key { get; set; }
}

public sealed record JwtRequiredClaim
{
    [Description("The claim name.")]
    [Required, MinLength(1), MaxLength(128)]
    public string Name { get; set; } = "";

    [Description("The required value; for an array claim, one of its elements.")]
    [Required, MaxLength(512)]
    public string Value { get; set; } = "";
}
