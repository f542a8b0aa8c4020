using System.Security.Cryptography;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Reads PEM PUBLIC KEY blocks (SubjectPublicKeyInfo, as `openssl pkey -pubout` writes them; RSA PUBLIC KEY too) into
/// public keys. PEM keys carry no kid, so the gateway tries each of them on a token without one.
/// </summary>
internal static class PemPublicKeys
{
    public static string? Read(string text, List<JwtPublicKeys.PublicKey> keys)
    {
        // Any private key form (PKCS#8, PKCS#1, SEC1, encrypted, OpenSSH) is refused before anything is decoded.
        if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal)) { return $"the value {JwtPublicKeys.PrivateMaterial}"; }

        var rest = text.AsSpan();
        var block = 0;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var where = $"PEM block {++block}";
            var label = rest[fields.Label].ToString();
            var der = new byte[fields.DecodedDataLength];
            if (!Convert.TryFromBase64Chars(rest[fields.Base64Data], der, out var written) || written != der.Length)
            {
                return $"{where} is not valid base64";
            }
            var problem = label switch
            {
                "PUBLIC KEY" => ReadSubjectPublicKeyInfo(der, where, keys),
                "RSA PUBLIC KEY" => ReadRsaPublicKey(der, where, keys),
                "CERTIFICATE" => $"{where} is a certificate; put its public key instead (openssl x509 -pubkey -noout)",
                _ => $"{where} is a {label} block; only PUBLIC KEY blocks are accepted",
            };
            if (problem is not null) { return problem; }
            rest = rest[fields.Location.End..];
        }
        return block == 0 ? "the value has a -----BEGIN line but no well-formed PEM block" : null;
    }

    private static string? ReadSubjectPublicKeyInfo(byte[] der, string where, List<JwtPublicKeys.PublicKey> keys)
    {
        RSAParameters? rsaParameters = null;
        ECParameters? ecParameters = null;
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(der, out _);
            rsaParameters = rsa.ExportParameters(includePrivateParameters: false);
        }
        catch (CryptographicException)
        {
            try
            {
                using var ec = ECDsa.Create();
                ec.ImportSubjectPublicKeyInfo(der, out _);
                ecParameters = ec.ExportParameters(includePrivateParameters: false);
            }
            catch (CryptographicException)
            {
                return $"{where} is not an RSA or EC public key";
            }
        }
        string? problem;
        var key = rsaParameters is { } r
            ? JwtPublicKeys.FromRsa(r, null, null, null, where, out problem)
            : JwtPublicKeys.FromEc(ecParameters!.Value, null, null, null, where, out problem);
        if (key is not null) { keys.Add(key); }
        return problem;
    }

    private static string? ReadRsaPublicKey(byte[] der, string where, List<JwtPublicKeys.PublicKey> keys)
    {
        RSAParameters parameters;
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportRSAPublicKey(der, out _);
            parameters = rsa.ExportParameters(includePrivateParameters: false);
        }
        catch (CryptographicException)
        {
            return $"{where} is not a valid RSA public key";
        }
        var key = JwtPublicKeys.FromRsa(parameters, null, null, null, where, out var problem);
        if (key is not null) { keys.Add(key); }
        return problem;
    }
}
