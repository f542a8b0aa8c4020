using System.Security.Claims;
using Konnect.Model;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Konnect.Gateway.Policies.Authentication;

/// <summary>The result of authenticating one request: a consumer, or the problem to answer with.</summary>
internal readonly record struct AuthOutcome(ConsumerIdentity? Consumer, Problem? Problem, string? Detail)
{
    public static AuthOutcome Success(ConsumerIdentity consumer) => new(consumer, null, null);
    public static AuthOutcome Fail(Problem problem, string detail) => new(null, problem, detail);
}

/// <summary>
/// Validates a bearer token against one jwt block. Keys come from <see cref="JwksCache"/>; everything else (issuer,
/// audiences, algorithms, lifetime) is fixed per compiled model. Details never quote the token or claim values
/// (only claim names), so a 401 or 403 body cannot leak a credential.
/// </summary>
internal sealed class JwtAuthenticator
{
    /// <summary>Bigger tokens are refused before parsing: headers are bounded anyway, this bounds the work.</summary>
    private const int MaxTokenLength = 16 * 1024;

    private static readonly JsonWebTokenHandler Handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };

    private readonly JwtModel _model;

    /// <summary>Keys from the policy's Secret, parsed once per model; null when the keys come from a JWKS URI.</summary>
    private readonly IReadOnlyList<SecurityKey>? _staticKeys;

    public JwtAuthenticator(JwtModel model)
    {
        _model = model;
        if (model.Keys is { } jwks) { _staticKeys = new JsonWebKeySet(jwks).GetSigningKeys().ToArray(); }
    }

    public async ValueTask<AuthOutcome> AuthenticateAsync(string token, JwksCache jwks, ConsumerIndex consumers, string policy, CancellationToken cancellationToken)
    {
        if (token.Length > MaxTokenLength) { return Fail("The bearer token is too large", policy); }
        string? kid;
        try { kid = Handler.ReadJsonWebToken(token).Kid; }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException) { return Fail("The bearer token is not a well-formed JWT", policy); }

        var keys = _staticKeys ?? await jwks.GetKeysAsync(_model.JwksUri!, unknownKid: false, cancellationToken);
        if (_staticKeys is null && keys is not null && kid is not null && !keys.Any(k => string.Equals(k.KeyId, kid, StringComparison.Ordinal)))
        {
            // Likely a key rotation at the identity provider: refetch (rate-limited by the cache) before refusing.
            keys = await jwks.GetKeysAsync(_model.JwksUri!, unknownKid: true, cancellationToken);
        }
        if (keys is null)
        {
            return AuthOutcome.Fail(Problem.JwksUnavailable, $"The signing keys of the token issuer could not be loaded; try again later (KonnectPolicy {policy}).");
        }

        var result = await Handler.ValidateTokenAsync(token, Parameters(keys));
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            // The exception type says what failed (expired, bad signature...) without quoting the token.
            return Fail($"The bearer token is not valid ({Reason(result.Exception)})", policy);
        }

        if (!jwt.TryGetPayloadValue<string>(_model.ConsumerClaim, out var subject) || string.IsNullOrEmpty(subject))
        {
            return Fail($"The bearer token has no {_model.ConsumerClaim} claim", policy);
        }
        if (consumers.ByJwt(_model.Issuer, subject) is not { } consumer)
        {
            // A valid token that names no consumer is refused rather than let through anonymously: consumers are
            // what authorization, subscriptions and identity headers are about.
            return Fail("No KonnectConsumer has the JWT identity of this token", policy);
        }

        var identity = result.ClaimsIdentity;
        foreach (var claim in _model.RequiredClaims)
        {
            if (!identity.HasClaim(c => c.Type == claim.Name && c.Value == claim.Value))
            {
                return AuthOutcome.Fail(Problem.ConsumerForbidden, $"The token lacks the required claim {claim.Name} (KonnectPolicy {policy}).");
            }
        }
        if (_model.RequiredScopes.Count > 0)
        {
            var scopes = Scopes(identity);
            var missing = _model.RequiredScopes.FirstOrDefault(s => !scopes.Contains(s));
            if (missing is not null)
            {
                return AuthOutcome.Fail(Problem.ConsumerForbidden, $"The token lacks the required scope {missing} (KonnectPolicy {policy}).");
            }
        }
        return AuthOutcome.Success(consumer);
    }

    private TokenValidationParameters Parameters(IReadOnlyList<SecurityKey> keys) => new()
    {
        ValidIssuer = _model.Issuer,
        ValidateIssuer = true,
        ValidAudiences = _model.Audiences,
        ValidateAudience = _model.Audiences.Count > 0,
        ValidAlgorithms = _model.Algorithms,
        IssuerSigningKeys = keys,
        ValidateIssuerSigningKey = true,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ValidateLifetime = true,
        ClockSkew = _model.ClockSkew,
    };

    /// <summary>Scopes from a space-separated "scope" claim and from "scp" (an array, or a space-separated string).</summary>
    private static HashSet<string> Scopes(ClaimsIdentity identity)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in identity.Claims)
        {
            if (claim.Type is "scope" or "scp")
            {
                scopes.UnionWith(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        return scopes;
    }

    private static string Reason(Exception? ex) => ex switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not valid yet",
        SecurityTokenNoExpirationException => "no expiry",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidAlgorithmException => "algorithm not allowed",
        SecurityTokenSignatureKeyNotFoundException => "unknown signing key",
        SecurityTokenInvalidSignatureException => "bad signature",
        _ => "rejected",
    };

    private static AuthOutcome Fail(string detail, string policy) => AuthOutcome.Fail(Problem.Unauthorized, $"{detail} (KonnectPolicy {policy}).");
}
