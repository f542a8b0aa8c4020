using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Konnect.Testing.Jwt;

/// <summary>A signing key made in the test, with its public JWK and a way to sign tokens.</summary>
public sealed class TestKey
{
    private TestKey(string kid, SecurityKey key, string algorithm, Dictionary<string, string> jwk)
    {
        Kid = kid;
        Key = key;
        Algorithm = algorithm;
        Jwk = jwk;
    }

    public string Kid { get; }
    public SecurityKey Key { get; }
    public string Algorithm { get; }
    public Dictionary<string, string> Jwk { get; }
    public RSA? Rsa { get; private init; }

    public static TestKey NewRsa(string kid)
    {
        var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        return new TestKey(kid, new RsaSecurityKey(rsa) { KeyId = kid }, SecurityAlgorithms.RsaSha256, new()
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = kid,
            ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent),
        }) { Rsa = rsa };
    }

    public static TestKey NewEc(string kid)
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ec.ExportParameters(false);
        return new TestKey(kid, new ECDsaSecurityKey(ec) { KeyId = kid }, SecurityAlgorithms.EcdsaSha256, new()
        {
            ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = kid, ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
        });
    }

    /// <summary>A token from <paramref name="issuer"/>; lifetimes are relative to now.</summary>
    public string Sign(string issuer, string subject, string? audience = "konnect-api", TimeSpan? expiresIn = null, TimeSpan? notBeforeIn = null,
        IDictionary<string, object>? claims = null)
    {
        var now = DateTime.UtcNow;
        var notBefore = now + (notBeforeIn ?? TimeSpan.FromMinutes(-1));
        var expires = now + (expiresIn ?? TimeSpan.FromMinutes(10));
        var all = new Dictionary<string, object>(claims ?? new Dictionary<string, object>()) { ["sub"] = subject };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = notBefore < expires ? notBefore : expires.AddMinutes(-1),
            NotBefore = notBefore < expires ? notBefore : expires.AddMinutes(-1),
            Expires = expires,
            Claims = all,
            SigningCredentials = new SigningCredentials(Key, Algorithm),
        });
    }
}

/// <summary>A real Kestrel host serving a JWKS at /jwks.json, whose keys a test can swap, or make fail.</summary>
public sealed class TestJwks : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile TestKey[] _keys;
    private int _fetches;

    private TestJwks(WebApplication app, TestKey[] keys)
    {
        _app = app;
        _keys = keys;
    }

    public string Url { get; private set; } = "";

    /// <summary>When true the host answers 500, as an identity provider that is down.</summary>
    public bool Unavailable { get; set; }

    public int Fetches => Volatile.Read(ref _fetches);

    public void Serve(params TestKey[] keys) => _keys = keys;

    public static async Task<TestJwks> StartAsync(params TestKey[] keys)
    {
        var app = LoopbackApp.Create();
        var jwks = new TestJwks(app, keys);
        app.Run(jwks.HandleAsync);
        await app.StartAsync();
        jwks.Url = $"http://127.0.0.1:{app.Port()}/jwks.json";
        return jwks;
    }

    private Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _fetches);
        if (Unavailable)
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        }
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { keys = _keys.Select(k => k.Jwk) }));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
