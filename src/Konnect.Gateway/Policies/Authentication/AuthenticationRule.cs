using System.Text;
using Konnect.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Konnect.Gateway.Policies.Authentication;

/// <summary>
/// A compiled authentication block. Methods are tried in a fixed order: mtls (when the connection presented a client
/// certificate), apiKey, basic, jwt, then anonymous. Basic and
/// jwt share the Authorization header and are told apart by its scheme (Basic / Bearer). A request
/// that presents a credential which fails is refused; only a request with no credential at all falls back to the
/// anonymous consumer, so a mistyped key never silently becomes anonymous access. Credentials are removed from the
/// request whatever the outcome, and never appear in a detail message.
/// </summary>
internal sealed class AuthenticationRule
{
    private readonly ConsumerIndex _consumers;
    private readonly bool _basicEnabled;
    private readonly JwtAuthenticator? _jwt;
    private readonly MtlsAuthenticator? _mtls;

    private AuthenticationRule(AuthenticationModel model, ConsumerIndex consumers)
    {
        _consumers = consumers;
        Policy = model.Policy;
        ApiKeyHeader = model.ApiKeyHeader;
        _keyIsBearer = string.Equals(model.ApiKeyHeader, "authorization", StringComparison.OrdinalIgnoreCase);
        ApiKeyQuery = model.ApiKeyQuery;
        Anonymous = model.AnonymousConsumer;
        // Built once: the realm was checked by the translator to need no escaping inside the quotes.
        var basic = model.BasicRealm is { } realm ? $"Basic realm=\"{realm}\", charset=\"UTF-8\"" : null;
        _basicEnabled = basic is not null;
        _jwt = model.Jwt is { } jwt ? new JwtAuthenticator(jwt) : null;
        _mtls = model.Mtls is { } mtls ? new MtlsAuthenticator(mtls) : null;
        Challenge = new StringValues(new[] { basic, _jwt is null ? null : "Bearer" }.OfType<string>().ToArray());
        Methods = string.Join(", ", new[] { _mtls is null ? null : "client certificate", ApiKeyHeader is null ? null : "API key", basic is null ? null : "basic", _jwt is null ? null : "bearer JWT" }.OfType<string>());
    }

    public string Policy { get; }
    public string? ApiKeyHeader { get; }

    private readonly bool _keyIsBearer;
    public string? ApiKeyQuery { get; }
    public string? Anonymous { get; }
    /// <summary>The WWW-Authenticate values (basic and/or Bearer); empty when neither is enabled.</summary>
    public StringValues Challenge { get; }
    private string Methods { get; }

    public static AuthenticationRule Compile(AuthenticationModel model, ConsumerIndex consumers) => new(model, consumers);

    /// <summary>Finds the consumer, or the problem to answer (whose detail never includes the credential).</summary>
    public async ValueTask<AuthOutcome> AuthenticateAsync(HttpContext context, JwksCache jwks)
    {
        string? failure = null;
        var request = context.Request;
        var presented = false;
        ConsumerIdentity? consumer = null;

        // First, because the certificate was presented in the handshake whatever the request carries; a certificate
        // that fails is refused rather than tried against the other methods.
        if (_mtls is not null)
        {
            // Only the gateway may set the forwarded subject: a value from the client is dropped before anything else.
            if (_mtls.ForwardHeader is { } forward) { request.Headers.Remove(forward); }
            if (context.Connection.ClientCertificate is { } certificate)
            {
                presented = true;
                var (verified, subject, problem) = _mtls.Authenticate(certificate, _consumers);
                if (verified is null) { return AuthOutcome.Fail(Problem.Unauthorized, $"{problem} (KonnectPolicy {Policy})."); }
                consumer = verified;
                if (_mtls.ForwardHeader is { } header) { request.Headers[header] = subject; }
            }
        }

        if (ApiKeyHeader is not null)
        {
            var values = request.Headers[ApiKeyHeader];
            request.Headers.Remove(ApiKeyHeader);
            if (ApiKeyQuery is not null && request.Query.TryGetValue(ApiKeyQuery, out var queryValues))
            {
                values = StringValues.Concat(values, queryValues);
                request.QueryString = Without(request.QueryString, ApiKeyQuery);
            }
            if (values.Count > 0 && consumer is null)
            {
                presented = true;
                // Two keys in one request are ambiguous: refuse rather than pick one.
                var key = values.Count == 1 ? values[0] : null;
                // With header: authorization the key comes as the SDKs of AI APIs send theirs: "Bearer <key>".
                if (key is not null && _keyIsBearer && key.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) { key = key[7..].Trim(); }
                consumer = !string.IsNullOrEmpty(key) ? _consumers.ByApiKey(key) : null;
                if (consumer is null) { failure = "The API key is not valid"; }
            }
        }

        if (_basicEnabled || _jwt is not null)
        {
            var authorization = request.Headers.Authorization;
            // Removed whatever happens next: the upstream must never see a password or a bearer token.
            request.Headers.Remove(HeaderNames.Authorization);
            if (consumer is null && failure is null && authorization.Count > 0)
            {
                presented = true;
                var value = authorization.Count == 1 ? authorization[0] : null;
                const string Bearer = "Bearer ";
                if (_jwt is not null && value is not null && value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
                {
                    var outcome = await _jwt.AuthenticateAsync(value[Bearer.Length..].Trim(), jwks, _consumers, Policy, context.RequestAborted);
                    if (outcome.Consumer is null) { return outcome; }
                    consumer = outcome.Consumer;
                }
                else
                {
                    consumer = _basicEnabled ? _consumers.ByBasicHeader(value) : null;
                    if (consumer is null) { failure = _basicEnabled ? "The basic credentials are not valid" : "The Authorization header is not a bearer token"; }
                }
            }
        }

        if (!presented && Anonymous is not null)
        {
            consumer = _consumers.ById(Anonymous);
            if (consumer is null) { failure = $"No credential was presented and the anonymous consumer {Anonymous} does not exist"; }
        }
        else if (!presented)
        {
            failure = $"A credential is required ({Methods})";
        }

        return consumer is not null ? AuthOutcome.Success(consumer)
            : AuthOutcome.Fail(Problem.Unauthorized, $"{failure ?? "Authentication failed"} (KonnectPolicy {Policy}).");
    }

    /// <summary>The query string without every occurrence of <paramref name="name"/> (compared after decoding).</summary>
    private static QueryString Without(QueryString query, string name)
    {
        var text = query.Value;
        if (string.IsNullOrEmpty(text)) { return query; }
        var kept = new StringBuilder(text.Length);
        foreach (var pair in text[1..].Split('&'))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            // Same comparison as the lookup (ASP.NET's query collection ignores case): every spelling that could
            // have authenticated is removed, so the key never travels upstream.
            if (pair.Length == 0 || string.Equals(key, name, StringComparison.OrdinalIgnoreCase)) { continue; }
            kept.Append(kept.Length == 0 ? '?' : '&').Append(pair);
        }
        return kept.Length == 0 ? QueryString.Empty : new QueryString(kept.ToString());
    }
}
