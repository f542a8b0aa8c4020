using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Turns the content of a jwt keysSecret (a JWKS document or PEM PUBLIC KEY blocks) into a JWKS document holding only
/// public parameters, each key proven importable. Private or symmetric material is refused rather than stripped: a
/// Secret that holds a signing key is a leak waiting to happen, and its owner should hear about it. Problems describe
/// where the content is wrong (keys[1], PEM block 2) and never quote it.
/// </summary>
internal static class JwtPublicKeys
{
    public const string PrivateMaterial = "holds private key material; put only public keys in this Secret";

    // RFC 7518 private members (RSA: d, p, q, dp, dq, qi, oth; EC: d) and the oct secret k.
    private static readonly string[] PrivateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

    private static readonly HashSet<string> Algorithms = new(StringComparer.Ordinal)
    {
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
    };

    /// <summary>A key reduced to what verification needs: RSA (n, e) or EC (crv, x, y), plus kid, use and alg when given.</summary>
    internal sealed record PublicKey(string Kty, string? Kid, string? Use, string? Alg, byte[] NOrX, byte[] EOrY, string? Crv = null);

    /// <returns>Null with <paramref name="jwks"/> set, or what is wrong with the content.</returns>
    public static string? TryNormalise(byte[] value, out string? jwks)
    {
        jwks = null;
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(value); }
        catch (DecoderFallbackException) { return "the value is not text: expected a JWKS JSON document or PEM PUBLIC KEY blocks"; }
        text = text.TrimStart('\uFEFF'); // editors on Windows save JSON with a byte order mark

        var keys = new List<PublicKey>();
        var problem = text.AsSpan().TrimStart().StartsWith("{") ? ReadJwks(text, keys)
            : text.Contains("-----BEGIN ", StringComparison.Ordinal) ? PemPublicKeys.Read(text, keys)
            : "the value is neither a JWKS JSON document ({\"keys\": [...]}) nor PEM PUBLIC KEY blocks";
        if (problem is not null) { return problem; }
        if (keys.Count == 0) { return "the value holds no key"; }
        jwks = Write(keys);
        return null;
    }

    private static string? ReadJwks(string text, List<PublicKey> keys)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { return $"the value is not valid JSON (line {e.LineNumber + 1})"; }
        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty("keys", out var array))
            {
                if (PrivateMembers.Any(m => root.TryGetProperty(m, out _))) { return $"the value {PrivateMaterial}"; }
                return root.TryGetProperty("kty", out _)
                    ? "the value is a single JWK; wrap it as a JWKS: {\"keys\": [ ... ]}"
                    : "the value is a JSON document without a \"keys\" array (expected a JWKS)";
            }
            if (array.ValueKind != JsonValueKind.Array) { return "the value has a \"keys\" member that is not an array"; }
            var i = 0;
            foreach (var element in array.EnumerateArray())
            {
                if (ReadJwk(element, $"keys[{i++}]", keys) is { } problem) { return problem; }
            }
            return null;
        }
    }

    private static string? ReadJwk(JsonElement jwk, string where, List<PublicKey> keys)
    {
        if (jwk.ValueKind != JsonValueKind.Object) { return $"{where} is not a JSON object"; }
        var kid = Text(jwk, "kid");
        var label = kid is not null && IsSafe(kid, 128) ? $"{where} (kid \"{kid}\")" : where;
        if (jwk.TryGetProperty("kid", out var kidElement) && kidElement.ValueKind != JsonValueKind.String) { return $"{label}: kid must be a string"; }

        var kty = Text(jwk, "kty");
        if (kty == "oct")
        {
            return $"{label} is a symmetric (oct) key, which is refused: anyone who can read a shared secret can mint tokens; use RSA or EC public keys";
        }
        if (PrivateMembers.Any(m => jwk.TryGetProperty(m, out _))) { return $"{label} {PrivateMaterial}"; }

        var use = Text(jwk, "use");
        if (use is not null && use != "sig") { return $"{label}: use {Quote(use)} is not a signing key; only use \"sig\" (or no use) verifies tokens"; }
        var alg = Text(jwk, "alg");
        if (alg is not null && !Algorithms.Contains(alg)) { return $"{label}: alg {Quote(alg)} is not one of {string.Join(", ", Algorithms)}"; }

        try
        {
            switch (kty)
            {
                case "RSA":
                    if (alg is not null && alg[0] == 'E') { return $"{label}: alg {alg} does not fit an RSA key"; }
                    var rsa = new RSAParameters { Modulus = Bytes(jwk, "n"), Exponent = Bytes(jwk, "e") };
                    if (rsa.Modulus is null || rsa.Exponent is null) { return $"{label}: an RSA key needs n and e"; }
                    return Add(keys, FromRsa(rsa, kid, use, alg, label, out var rsaProblem), rsaProblem);
                case "EC":
                    if (alg is not null && alg[0] != 'E') { return $"{label}: alg {alg} does not fit an EC key"; }
                    var crv = Text(jwk, "crv");
                    if (crv is null) { return $"{label}: an EC key needs crv (P-256, P-384 or P-521)"; }
                    if (Curve(crv) is not { } curve) { return $"{label}: crv {Quote(crv)} is not one of P-256, P-384, P-521"; }
                    var point = new ECPoint { X = Bytes(jwk, "x"), Y = Bytes(jwk, "y") };
                    if (point.X is null || point.Y is null) { return $"{label}: an EC key needs x and y"; }
                    return Add(keys, FromEc(new ECParameters { Curve = curve, Q = point }, kid, use, alg, label, out var ecProblem), ecProblem);
                case null:
                    return $"{label} has no kty";
                default:
                    return $"{label}: kty {Quote(kty)} is not supported; use RSA or EC keys";
            }
        }
        catch (FormatException)
        {
            return $"{label}: a key parameter is not base64url";
        }
        catch (InvalidOperationException)
        {
            return $"{label}: a key parameter is not a string";
        }
    }

    private static string? Add(List<PublicKey> keys, PublicKey? key, string? problem)
    {
        if (key is not null) { keys.Add(key); }
        return problem;
    }

    /// <summary>Imports the parameters (which validates them) and keeps what the import produced.</summary>
    internal static PublicKey? FromRsa(RSAParameters parameters, string? kid, string? use, string? alg, string label, out string? problem)
    {
        problem = null;
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportParameters(parameters);
            // Verification of 1024-bit RSA is refused by NIST since 2013; a short key is forgeable, not just weak.
            if (rsa.KeySize < 2048) { problem = $"{label} is a {rsa.KeySize}-bit RSA key; use at least 2048 bits"; return null; }
            var exported = rsa.ExportParameters(includePrivateParameters: false);
            return new PublicKey("RSA", kid, use, alg, exported.Modulus!, exported.Exponent!);
        }
        catch (CryptographicException)
        {
            problem = $"{label} is not a valid RSA public key";
            return null;
        }
    }

    internal static PublicKey? FromEc(ECParameters parameters, string? kid, string? use, string? alg, string label, out string? problem)
    {
        problem = null;
        try
        {
            // The import checks that the point lies on the curve, so an invalid-curve key never reaches the gateway.
            using var ec = ECDsa.Create(parameters);
            var exported = ec.ExportParameters(includePrivateParameters: false);
            if (CurveName(exported.Curve) is not { } crv) { problem = $"{label} uses an EC curve other than P-256, P-384 or P-521"; return null; }
            if (alg is not null && alg != AlgorithmFor(crv)) { problem = $"{label}: alg {alg} does not fit curve {crv} (use {AlgorithmFor(crv)})"; return null; }
            return new PublicKey("EC", kid, use, alg, exported.Q.X!, exported.Q.Y!, crv);
        }
        catch (CryptographicException)
        {
            problem = $"{label} is not a valid EC public key";
            return null;
        }
    }

    internal static string? CurveName(ECCurve curve) => curve.Oid?.Value switch
    {
        "1.2.840.10045.3.1.7" => "P-256",
        "1.3.132.0.34" => "P-384",
        "1.3.132.0.35" => "P-521",
        _ => null,
    };

    private static ECCurve? Curve(string? crv) => crv switch
    {
        "P-256" => ECCurve.NamedCurves.nistP256,
        "P-384" => ECCurve.NamedCurves.nistP384,
        "P-521" => ECCurve.NamedCurves.nistP521,
        _ => null,
    };

    private static string AlgorithmFor(string crv) => crv switch { "P-256" => "ES256", "P-384" => "ES384", _ => "ES512" };

    private static string Write(List<PublicKey> keys)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("keys");
            foreach (var key in keys)
            {
                writer.WriteStartObject();
                writer.WriteString("kty", key.Kty);
                if (key.Kid is not null) { writer.WriteString("kid", key.Kid); }
                if (key.Use is not null) { writer.WriteString("use", key.Use); }
                if (key.Alg is not null) { writer.WriteString("alg", key.Alg); }
                if (key.Kty == "RSA")
                {
                    writer.WriteString("n", Base64Url.EncodeToString(key.NOrX));
                    writer.WriteString("e", Base64Url.EncodeToString(key.EOrY));
                }
                else
                {
                    writer.WriteString("crv", key.Crv);
                    writer.WriteString("x", Base64Url.EncodeToString(key.NOrX));
                    writer.WriteString("y", Base64Url.EncodeToString(key.EOrY));
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <exception cref="InvalidOperationException">The member is not a string.</exception>
    private static byte[]? Bytes(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? Base64Url.DecodeFromChars(value.GetString()) : null;

    // Names from the content are quoted only when they are short, printable and cannot be mistaken for key material.
    private static string Quote(string text) => IsSafe(text, 16) ? $"\"{text}\"" : "(unreadable value)";

    private static bool IsSafe(string text, int max) =>
        text.Length is > 0 and <= 128 && text.Length <= max && text.All(c => c is > ' ' and < '\x7f' and not '"' and not '\\');
}
