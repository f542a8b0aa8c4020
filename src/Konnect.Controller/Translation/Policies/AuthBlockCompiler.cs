using Konnect.Api.V1Alpha1;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates and normalises authentication and authorization. Like <see cref="PolicyBlockCompiler"/>, it returns the
/// first problem with its field, and does not rely on the API server's schema check (folder mode has none).
/// </summary>
internal static class AuthBlockCompiler
{
    public static string? TryCompileAuthentication(string policy, string ns, AuthenticationPolicy block, out AuthenticationModel? model)
    {
        model = null;
        if (block.ApiKey is null && block.Basic is null && block.Jwt is null && block.Mtls is null && block.Anonymous is null)
        {
            return "spec.authentication: set at least one of mtls, apiKey, basic, jwt or anonymous";
        }
        MtlsModel? mtls = null;
        if (block.Mtls is { } mtlsBlock && MtlsBlockCompiler.TryCompile(mtlsBlock, out mtls) is { } mtlsProblem) { return mtlsProblem; }
        JwtModel? jwt = null;
        if (block.Jwt is { } jwtBlock && JwtBlockCompiler.TryCompile(jwtBlock, out jwt) is { } jwtProblem) { return jwtProblem; }

        string? header = null, query = null, realm = null, anonymous = null;
        if (block.ApiKey is { } apiKey)
        {
            header = (apiKey.Header ?? "x-api-key").ToLowerInvariant();
            if (!IsToken(header)) { return $"spec.authentication.apiKey.header: \"{apiKey.Header}\" is not a header name"; }
            // The gateway owns these headers; reading a key from them would let it be confused with identity.
            if (header is "x-konnect-consumer" or "x-konnect-consumer-groups")
            {
                return $"spec.authentication.apiKey.header: \"{header}\" is reserved; use a dedicated header such as x-api-key";
            }
            // "Authorization: Bearer <key>" is how the OpenAI SDKs send a key; basic and jwt read that header themselves.
            if (header == "authorization" && (block.Basic is not null || block.Jwt is not null))
            {
                return "spec.authentication.apiKey.header: authorization is read by basic or jwt in this policy; use a dedicated header such as x-api-key";
            }
            query = apiKey.Query;
            if (query is not null && (query.Length == 0 || !query.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '-')))
            {
                return $"spec.authentication.apiKey.query: \"{query}\" is not a query parameter name";
            }
        }
        if (block.Basic is { } basic)
        {
            realm = basic.Realm ?? "konnect";
            // The realm is written inside a quoted string of WWW-Authenticate: no quotes, backslashes or control characters.
            if (realm.Length == 0 || realm.Any(c => c < 0x20 || c > 0x7e || c is '"' or '\\'))
            {
                return $"spec.authentication.basic.realm: must be printable ASCII without quotes or backslashes";
            }
        }
        if (block.Anonymous is { } anon)
        {
            if (anon.Consumer.Length == 0 || anon.Consumer.Contains('/')) { return "spec.authentication.anonymous.consumer: name a KonnectConsumer in the policy's namespace"; }
            anonymous = $"{ns}/{anon.Consumer}";
        }
        model = new AuthenticationModel { Policy = policy, ApiKeyHeader = header, ApiKeyQuery = query, BasicRealm = realm, AnonymousConsumer = anonymous, Jwt = jwt, Mtls = mtls };
        return null;
    }

    public static string? TryCompileAuthorization(string policy, AuthorizationPolicy block, out AuthorizationModel? model)
    {
        model = null;
        var approved = block.ApprovedConsumers ?? [];
        for (var i = 0; i < approved.Count; i++)
        {
            var parts = approved[i].Split('/');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                return $"spec.authorization.approvedConsumers[{i}]: \"{approved[i]}\" must be namespace/name";
            }
        }
        model = new AuthorizationModel
        {
            Policy = policy,
            ConsumerGroups = (block.ConsumerGroups ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            ApprovedConsumers = approved.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            RequireSubscription = block.RequireSubscription,
        };
        return null;
    }

    private static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+.^_`|~-".Contains(c));
}
