using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates a jwt block without any I/O: a JWKS URI is fetched by the gateway, which owns the data plane's network
/// access; keys from a keysSecret are read afterwards by <see cref="JwtKeysResolver"/>, since a missing Secret is a
/// reference problem rather than an invalid spec. Only asymmetric algorithms are accepted so a public key can never be
/// used as an HMAC secret.
/// </summary>
internal static class JwtBlockCompiler
{
    private static readonly HashSet<string> Asymmetric = new(StringComparer.Ordinal)
    {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
    };

    private const string Field = "spec.authentication.jwt";

    public static string? TryCompile(JwtAuthentication block, out JwtModel? model)
    {
        model = null;
        if (string.IsNullOrWhiteSpace(block.Issuer)) { return $"{Field}.issuer: required"; }
        if ((block.JwksUri is null) == (block.KeysSecret is null))
        {
            return block.JwksUri is null
                ? $"{Field}: set jwksUri or keysSecret, where the issuer's public keys are"
                : $"{Field}: set exactly one of jwksUri or keysSecret, not both";
        }
        string? jwksUri = null;
        if (block.JwksUri is { } uriText)
        {
            if (!Uri.TryCreate(uriText, UriKind.Absolute, out var jwks) || jwks.Scheme is not ("https" or "http")
                || string.IsNullOrEmpty(jwks.Host) || jwks.UserInfo.Length > 0 || jwks.Fragment.Length > 0)
            {
                return $"{Field}.jwksUri: \"{uriText}\" must be an absolute https or http URL without credentials or fragment";
            }
            jwksUri = jwks.AbsoluteUri;
        }
        if (block.KeysSecret is { } secret)
        {
            if (!IsDnsSubdomain(secret.SecretName)) { return $"{Field}.keysSecret.secretName: \"{secret.SecretName}\" is not a Secret name"; }
            if (secret.Key is { } key && (key.Length is 0 or > 253 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_')))
            {
                return $"{Field}.keysSecret.key: \"{key}\" is not a Secret key (letters, digits, -, . and _)";
            }
        }

        var algorithms = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (text, i) in (block.Algorithms ?? ["RS256", "ES256"]).Select((a, i) => (a, i)))
        {
            var algorithm = text.ToUpperInvariant();
            if (algorithm.StartsWith("HS", StringComparison.Ordinal))
            {
                return $"{Field}.algorithms[{i}]: {text} is refused: symmetric algorithms would let a public key be used as an HMAC secret; use RS*, PS* or ES*";
            }
            if (!Asymmetric.Contains(algorithm))
            {
                return $"{Field}.algorithms[{i}]: \"{text}\" is not one of {string.Join(", ", Asymmetric)}";
            }
            algorithms.Add(algorithm);
        }
        if (algorithms.Count == 0) { return $"{Field}.algorithms: list at least one algorithm"; }

        var skew = TimeSpan.FromSeconds(30);
        if (block.ClockSkew is { } skewText && (!Duration.TryParse(skewText, out skew) || skew > TimeSpan.FromMinutes(10)))
        {
            return $"{Field}.clockSkew: \"{skewText}\" must be a duration of at most 10m, such as 30s";
        }

        var claim = block.ConsumerClaim ?? "sub";
        if (claim.Length == 0) { return $"{Field}.consumerClaim: must not be empty"; }
        var audiences = block.Audiences ?? [];
        if (audiences.Any(string.IsNullOrEmpty)) { return $"{Field}.audiences: entries must not be empty"; }
        var claims = block.RequiredClaims ?? [];
        for (var i = 0; i < claims.Count; i++)
        {
            if (string.IsNullOrEmpty(claims[i].Name)) { return $"{Field}.requiredClaims[{i}].name: required"; }
        }
        var scopes = block.RequiredScopes ?? [];
        if (scopes.Any(s => s.Length == 0 || s.Any(char.IsWhiteSpace))) { return $"{Field}.requiredScopes: a scope is one word without spaces"; }

        model = new JwtModel
        {
            Issuer = block.Issuer,
            Audiences = audiences.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            Algorithms = algorithms.ToArray(),
            JwksUri = jwksUri,
            ClockSkew = skew,
            ConsumerClaim = claim,
            RequiredClaims = claims.Select(c => new JwtClaimModel(c.Name, c.Value)).ToArray(),
            RequiredScopes = scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
        };
        return null;
    }

    private static bool IsDnsSubdomain(string name) =>
        name.Length is > 0 and <= 253 && IsLowerAlphanumeric(name[0]) && IsLowerAlphanumeric(name[^1])
        && name.All(c => IsLowerAlphanumeric(c) || c is '-' or '.');

    private static bool IsLowerAlphanumeric(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
