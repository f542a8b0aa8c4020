using System.Net;
using System.Security.Cryptography;
using System.Text;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Jwt;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Konnect.Gateway.Tests.Policies;

/// <summary>Bearer JWTs over real sockets: tokens signed in the test, keys served by a real JWKS host.</summary>
public sealed class JwtAuthenticationTests
{
    private const string Issuer = "https://idp.test";

    private static readonly ConsumerModel Alice = new() { Namespace = "partners", Name = "alice", Groups = ["gold"], JwtIssuer = Issuer, JwtSubject = "alice" };
    private static readonly ConsumerModel Carol = new() { Namespace = "partners", Name = "carol", JwtIssuer = Issuer, JwtSubject = "carol" };

    private static JwtModel Jwt(string jwksUri, params string[] scopes) => new()
    {
        Issuer = Issuer, Audiences = ["konnect-api"], Algorithms = ["ES256", "RS256"], JwksUri = jwksUri,
        ClockSkew = TimeSpan.FromSeconds(30), ConsumerClaim = "sub", RequiredScopes = scopes,
    };

    private static async Task<TestGateway> StartAsync(TestBackend backend, JwtModel jwt, Action<GatewayOptions>? configure = null)
    {
        var gateway = await TestGateway.StartAsync(configure: configure);
        var route = Routes.Route("jwt", backend.Url("/jwt")) with
        {
            Policies = new PoliciesModel { Authentication = new AuthenticationModel { Policy = "test/jwt", Jwt = jwt } },
        };
        var result = await gateway.Publisher.PublishAsync(TestGateway.Model(route) with { Consumers = [Alice, Carol] }, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Empty(result.Rejected);
        return gateway;
    }

    private static (string, string) Bearer(string token) => ("Authorization", "Bearer " + token);

    private static async Task AssertRefusedAsync(TestGateway gateway, string token, HttpStatusCode status, string type)
    {
        var response = await gateway.GetAsync("/headers", headers: [Bearer(token)]);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(status, response.StatusCode);
        Assert.Contains("/" + type + "\"", text, StringComparison.Ordinal);
        // Neither the token nor any of its three parts may be echoed in the problem body.
        foreach (var part in token.Split('.').Where(p => p.Length > 8)) { Assert.DoesNotContain(part, text, StringComparison.Ordinal); }
    }

    [Fact]
    public async Task Token_ValidRS256OrES256_PassesAsItsConsumerWithoutTheTokenUpstream()
    {
        TestKey rsa = TestKey.NewRsa("rsa-1"), ec = TestKey.NewEc("ec-1");
        await using var jwks = await TestJwks.StartAsync(rsa, ec);
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(backend, Jwt(jwks.Url));

        foreach (var token in new[] { rsa.Sign(Issuer, "alice"), ec.Sign(Issuer, "alice") })
        {
            var body = await gateway.BodyAsync("/headers", headers: [Bearer(token), ("x-konnect-consumer", "partners/spoofed")]);
            Assert.Contains("x-konnect-consumer: partners/alice\n", body + "\n", StringComparison.Ordinal);
            Assert.Contains("x-konnect-consumer-groups: gold", body, StringComparison.Ordinal);
            Assert.DoesNotContain(token.Split('.')[2], body, StringComparison.Ordinal);
            Assert.DoesNotContain("authorization", body, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(1, jwks.Fetches);
    }

    [Fact]
    public async Task Token_Bad_Gets401WithoutTheTokenInTheBody()
    {
        TestKey rsa = TestKey.NewRsa("rsa-1"), other = TestKey.NewRsa("rsa-1");
        await using var jwks = await TestJwks.StartAsync(rsa);
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(backend, Jwt(jwks.Url));

        var valid = rsa.Sign(Issuer, "alice");
        var parts = valid.Split('.');
        string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var tampered = $"{parts[0]}.{B64(payload.Replace("\"alice\"", "\"carol\""))}.{parts[2]}";
        var none = $"{B64("{\"alg\":\"none\",\"typ\":\"JWT\"}")}.{parts[1]}.";
        // Algorithm confusion: an HMAC keyed with the RSA public key, which anyone can download from the JWKS.
        var hmacKey = new SymmetricSecurityKey(rsa.Rsa!.ExportSubjectPublicKeyInfo()) { KeyId = "rsa-1" };
        var confused = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer, Audience = "konnect-api", Expires = DateTime.UtcNow.AddMinutes(5), Claims = new Dictionary<string, object> { ["sub"] = "alice" },
            SigningCredentials = new SigningCredentials(hmacKey, SecurityAlgorithms.HmacSha256),
        });

        string[] bad =
        [
            rsa.Sign(Issuer, "alice", expiresIn: TimeSpan.FromMinutes(-5)),
            rsa.Sign(Issuer, "alice", notBeforeIn: TimeSpan.FromMinutes(5)),
            rsa.Sign(Issuer, "alice", audience: "someone-else"),
            rsa.Sign("https://evil.test", "alice"),
            other.Sign(Issuer, "alice"),
            rsa.Sign(Issuer, "nobody"),
            none, tampered, confused, "not-a-jwt",
        ];
        foreach (var token in bad) { await AssertRefusedAsync(gateway, token, HttpStatusCode.Unauthorized, "unauthorized"); }

        var missing = await gateway.GetAsync("/headers");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("Bearer", missing.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, backend.RequestCount);
    }

    [Fact]
    public async Task Token_WithoutARequiredScope_Gets403()
    {
        var rsa = TestKey.NewRsa("rsa-1");
        await using var jwks = await TestJwks.StartAsync(rsa);
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(backend, Jwt(jwks.Url, "orders:read", "orders:write"));

        await AssertRefusedAsync(gateway, rsa.Sign(Issuer, "alice", claims: new Dictionary<string, object> { ["scope"] = "orders:read" }),
            HttpStatusCode.Forbidden, "consumer-forbidden");
        var body = await gateway.BodyAsync("/headers", headers: [Bearer(rsa.Sign(Issuer, "alice", claims: new Dictionary<string, object> { ["scope"] = "orders:read orders:write" }))]);
        Assert.Contains("x-konnect-consumer: partners/alice", body, StringComparison.Ordinal);
        body = await gateway.BodyAsync("/headers", headers: [Bearer(rsa.Sign(Issuer, "alice", claims: new Dictionary<string, object> { ["scp"] = new[] { "orders:write", "orders:read" } }))]);
        Assert.Contains("x-konnect-consumer: partners/alice", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequiredClaims_StringOrOneElementOfAnArray_MatchElse403()
    {
        var rsa = TestKey.NewRsa("rsa-1");
        await using var jwks = await TestJwks.StartAsync(rsa);
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(backend, Jwt(jwks.Url) with { RequiredClaims = [new JwtClaimModel("tenant", "acme")] });
        string Token(object? tenant) => rsa.Sign(Issuer, "alice", claims: tenant is null ? null : new Dictionary<string, object> { ["tenant"] = tenant });

        var equal = await gateway.BodyAsync("/headers", headers: [Bearer(Token("acme"))]);
        var inArray = await gateway.BodyAsync("/headers", headers: [Bearer(Token(new[] { "globex", "acme" }))]);

        Assert.Contains("x-konnect-consumer: partners/alice", equal, StringComparison.Ordinal);
        Assert.Contains("x-konnect-consumer: partners/alice", inArray, StringComparison.Ordinal);
        Assert.Equal(2, backend.RequestCount);
        await AssertRefusedAsync(gateway, Token("globex"), HttpStatusCode.Forbidden, "consumer-forbidden");
        await AssertRefusedAsync(gateway, Token("ACME"), HttpStatusCode.Forbidden, "consumer-forbidden");
        await AssertRefusedAsync(gateway, Token(new[] { "globex", "initech" }), HttpStatusCode.Forbidden, "consumer-forbidden");
        await AssertRefusedAsync(gateway, Token(null), HttpStatusCode.Forbidden, "consumer-forbidden");
        Assert.Equal(2, backend.RequestCount);
    }

    [Fact]
    public async Task RotatedKey_NewKid_WorksAfterARefresh()
    {
        TestKey old = TestKey.NewRsa("2026-01"), rotated = TestKey.NewEc("2026-02");
        await using var jwks = await TestJwks.StartAsync(old);
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(backend, Jwt(jwks.Url), o => o.JwksMinRefreshInterval = TimeSpan.Zero);

        Assert.Contains("partners/alice", await gateway.BodyAsync("/headers", headers: [Bearer(old.Sign(Issuer, "alice"))]), StringComparison.Ordinal);
        jwks.Serve(rotated);
        Assert.Contains("partners/alice", await gateway.BodyAsync("/headers", headers: [Bearer(rotated.Sign(Issuer, "alice"))]), StringComparison.Ordinal);
        // The old key left the JWKS, so tokens signed with it stop working.
        await AssertRefusedAsync(gateway, old.Sign(Issuer, "alice"), HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task UnknownKids_RefetchTheJwks_AtMostOncePerInterval()
    {
        var rsa = TestKey.NewRsa("rsa-1");
        await using var jwks = await TestJwks.StartAsync(rsa);
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(backend, Jwt(jwks.Url));

        Assert.Contains("partners/alice", await gateway.BodyAsync("/headers", headers: [Bearer(rsa.Sign(Issuer, "alice"))]), StringComparison.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            await AssertRefusedAsync(gateway, TestKey.NewRsa($"forged-{i}").Sign(Issuer, "alice"), HttpStatusCode.Unauthorized, "unauthorized");
        }
        Assert.Equal(1, jwks.Fetches);
    }

    [Fact]
    public async Task Jwks_UnreachableAtFirstLoad_FailsClosedWith503()
    {
        var rsa = TestKey.NewRsa("rsa-1");
        await using var jwks = await TestJwks.StartAsync(rsa);
        jwks.Unavailable = true;
        await using var backend = await TestBackend.StartAsync();
        await using var gateway = await StartAsync(backend, Jwt(jwks.Url));

        var token = rsa.Sign(Issuer, "alice");
        await AssertRefusedAsync(gateway, token, HttpStatusCode.ServiceUnavailable, "jwks-unavailable");
        var response = await gateway.GetAsync("/headers", headers: [Bearer(token)]);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, backend.RequestCount);
    }
}
