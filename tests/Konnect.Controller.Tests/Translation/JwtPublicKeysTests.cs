using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Translation;
using Konnect.Controller.Translation.Policies;

namespace Konnect.Controller.Tests.Translation;

/// <summary>A keysSecret becomes a JWKS of public parameters only; anything else is refused without being quoted.</summary>
public sealed partial class JwtPublicKeysTests
{
    [Fact]
    public void TryNormalise_Jwks_KeepsOnlyPublicParametersKidUseAndAlg()
    {
        using var rsa = RSA.Create(2048);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var r = rsa.ExportParameters(false);
        var e = ec.ExportParameters(false);
        var input = new JsonObject
        {
            ["keys"] = new JsonArray(
                new JsonObject { ["kty"] = "RSA", ["kid"] = "r1", ["use"] = "sig", ["alg"] = "PS256", ["x5t"] = "dropped", ["n"] = B64(r.Modulus!), ["e"] = B64(r.Exponent!) },
                new JsonObject { ["kty"] = "EC", ["crv"] = "P-384", ["x"] = B64(e.Q.X!), ["y"] = B64(e.Q.Y!), ["key_ops"] = new JsonArray("verify") }),
        };

        Assert.Null(JwtPublicKeys.TryNormalise(Encoding.UTF8.GetBytes(input.ToJsonString()), out var jwks));

        var keys = JsonNode.Parse(jwks!)!["keys"]!.AsArray();
        Assert.Equal(["kty", "kid", "use", "alg", "n", "e"], keys[0]!.AsObject().Select(p => p.Key));
        Assert.Equal(B64(r.Modulus!), (string?)keys[0]!["n"]);
        Assert.Equal(["kty", "crv", "x", "y"], keys[1]!.AsObject().Select(p => p.Key));
        Assert.Equal("P-384", (string?)keys[1]!["crv"]);
    }

    [Fact]
    public void TryNormalise_PemRsaAndEc_GivesKeysWithoutKid()
    {
        using var rsa = RSA.Create(3072);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        var pem = $"issuer keys, rotated in May\n{rsa.ExportSubjectPublicKeyInfoPem()}\n{ec.ExportSubjectPublicKeyInfoPem()}\n{rsa.ExportRSAPublicKeyPem()}\n";

        Assert.Null(JwtPublicKeys.TryNormalise(Encoding.UTF8.GetBytes(pem), out var jwks));

        var keys = JsonNode.Parse(jwks!)!["keys"]!.AsArray();
        Assert.Equal(["RSA", "EC", "RSA"], keys.Select(k => (string?)k!["kty"]));
        Assert.All(keys, k => Assert.Null(k!["kid"]));
        Assert.Equal("P-521", (string?)keys[1]!["crv"]);
        Assert.Equal(B64(ec.ExportParameters(false).Q.X!), (string?)keys[1]!["x"]);
    }

    public static TheoryData<string> RefusedCases() => [.. Refused.Keys];

    // Keys are generated once per run, not per case: RSA generation is the slow part of this class.
    private static readonly Dictionary<string, (string Value, string Expected)> Refused = BuildRefused();

    private static Dictionary<string, (string Value, string Expected)> BuildRefused()
    {
        using var rsa = RSA.Create(2048);
        using var weak = RSA.Create(1024);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var k1 = ECDsa.Create(ECCurve.CreateFromFriendlyName("secP256k1"));
        var r = rsa.ExportParameters(true);
        var e = ec.ExportParameters(true);
        string Jwks(JsonObject key) => new JsonObject { ["keys"] = new JsonArray(key) }.ToJsonString();
        JsonObject Rsa() => new() { ["kty"] = "RSA", ["n"] = B64(r.Modulus!), ["e"] = B64(r.Exponent!) };
        JsonObject Ec() => new() { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = B64(e.Q.X!), ["y"] = B64(e.Q.Y!) };
        var offCurve = Ec();
        offCurve["y"] = B64([.. e.Q.Y!.Take(31), (byte)(e.Q.Y![31] ^ 1)]);
        var withD = Ec();
        withD["d"] = B64(e.D!);
        var withP = Rsa();
        withP["p"] = B64(r.P!);
        var encryption = Rsa();
        encryption["use"] = "enc";
        var mismatch = Ec();
        mismatch["alg"] = "ES384";

        return new()
        {
            ["single private jwk"] = (withD.ToJsonString(), "the value holds private key material; put only public keys in this Secret"),
            ["ec d"] = (Jwks(withD), "keys[0] holds private key material; put only public keys in this Secret"),
            ["rsa p"] = (Jwks(withP), "keys[0] holds private key material"),
            ["pkcs8 pem"] = (rsa.ExportPkcs8PrivateKeyPem(), "the value holds private key material"),
            ["pkcs1 pem"] = (rsa.ExportRSAPrivateKeyPem(), "the value holds private key material"),
            ["sec1 pem"] = (ec.ExportECPrivateKeyPem(), "the value holds private key material"),
            ["oct"] = (Jwks(new JsonObject { ["kty"] = "oct", ["k"] = "c2hhcmVk" }), "keys[0] is a symmetric (oct) key, which is refused"),
            ["off curve"] = (Jwks(offCurve), "keys[0] is not a valid EC public key"),
            ["use enc"] = (Jwks(encryption), "keys[0]: use \"enc\" is not a signing key"),
            ["alg mismatch"] = (Jwks(mismatch), "keys[0]: alg ES384 does not fit curve P-256 (use ES256)"),
            ["rsa 1024"] = (weak.ExportSubjectPublicKeyInfoPem(), "PEM block 1 is a 1024-bit RSA key; use at least 2048 bits"),
            ["secp256k1"] = (k1.ExportSubjectPublicKeyInfoPem(), "PEM block 1 uses an EC curve other than P-256, P-384 or P-521"),
            ["certificate"] = ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "PEM block 1 is a certificate; put its public key instead"),
            ["bad json"] = (Jwks(Ec()) + "}", "the value is not valid JSON (line 1)"),
            ["single jwk"] = (Ec().ToJsonString(), "the value is a single JWK; wrap it as a JWKS"),
            ["no key"] = ("""{"keys": []}""", "the value holds no key"),
            ["garbage"] = ("opaque-token-value", "the value is neither a JWKS JSON document"),
        };
    }

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public void TryNormalise_Refused_SaysWhyWithoutQuotingTheValue(string name)
    {
        var (value, expected) = Refused[name];
        var problem = JwtPublicKeys.TryNormalise(Encoding.UTF8.GetBytes(value), out var jwks);

        Assert.Null(jwks);
        Assert.NotNull(problem);
        Assert.StartsWith(expected, problem);
        foreach (var token in Tokens(value)) { Assert.DoesNotContain(token, problem, StringComparison.Ordinal); }
    }

    [Fact]
    public void Translate_KeysSecretCase_NoSecretValueInStatusOrSerialisedModel()
    {
        var snapshot = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "jwt-keys-secret.in.yaml")]);
        var result = Translator.Translate(snapshot);
        var json = JsonSerializer.Serialize(result, TranslationJsonContext.Default.TranslationResult);

        var values = snapshot.Secrets.Values.SelectMany(s => s.StringData!.Values).ToList();
        Assert.True(values.Count >= 7);
        foreach (var token in values.SelectMany(Tokens)) { Assert.DoesNotContain(token, json, StringComparison.Ordinal); }
        var served = result.Model.Routes.Where(r => r.Policies?.Authentication?.Jwt?.Keys is not null).ToList();
        Assert.Equal(2, served.Count);
        Assert.All(served, r => Assert.Matches("^[0-9a-f]{16}$", r.Policies!.Authentication!.Jwt!.KeysVersion!));
        Assert.DoesNotContain("\"keys\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_KeysChange_ChangesModelVersion()
    {
        var snapshot = ManifestSource.LoadPaths([Path.Combine(TestData.Directory, "jwt-keys-secret.in.yaml")]);
        var key = snapshot.Secrets.Keys.Single(k => k.Name == "issuer-pem");
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var rotated = snapshot.Secrets[key] with { StringData = new() { ["keys.pem"] = ec.ExportSubjectPublicKeyInfoPem() } };

        var before = Translator.Translate(snapshot).Model.Version;
        var after = Translator.Translate(snapshot with { Secrets = snapshot.Secrets.SetItem(key, rotated) }).Model.Version;

        Assert.NotEqual(before, after);
    }

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    // Runs of key-like characters long enough to be material rather than a word of the message.
    private static IEnumerable<string> Tokens(string value) => TokenPattern().Matches(value).Select(m => m.Value).Where(t => t.Length >= 12);

    [GeneratedRegex("[A-Za-z0-9+/_=-]{12,}")]
    private static partial Regex TokenPattern();
}
