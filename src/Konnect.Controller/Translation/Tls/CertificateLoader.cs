using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Tls;

/// <summary>A Secret's certificate as far as it could be loaded, with its problem (reason + message) or warning.</summary>
internal sealed record LoadedCertificate(CertificateModel? Certificate, RouteProblem? Problem, string? Warning);

/// <summary>
/// Loads kubernetes.io/tls Secrets (tls.crt, tls.key) and CA bundles (ca.crt), each parsed once per translation.
/// Messages name the Secret and the key, never an exception text: a parser's message could quote the input.
/// </summary>
internal sealed class CertificateLoader(ResourceSnapshot snapshot, DateTimeOffset? now)
{
    private readonly Dictionary<ObjectRef, LoadedCertificate> _certificates = [];
    private readonly Dictionary<ObjectRef, (string? Pem, RouteProblem? Problem)> _authorities = [];

    public LoadedCertificate Load(string ns, string name, string field)
    {
        var key = new ObjectRef("Secret", ns, name);
        if (!_certificates.TryGetValue(key, out var loaded)) { _certificates[key] = loaded = Parse(ns, name); }
        return loaded.Problem is { } p ? loaded with { Problem = p with { Message = $"{field}: {p.Message}" } } : loaded;
    }

    private LoadedCertificate Parse(string ns, string name)
    {
        var problems = new List<(string Reason, string Message)>();
        var crt = SecretValues.Read(snapshot, ns, name, "tls.crt", $"Secret {ns}/{name}", problems);
        var keyPem = crt is null ? null : SecretValues.Read(snapshot, ns, name, "tls.key", $"Secret {ns}/{name}", problems);
        if (crt is null || keyPem is null)
        {
            var (reason, message) = problems[0];
            return new(null, new(reason, StripPrefix(message, ns, name)), null);
        }
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(crt));
        }
        catch (CryptographicException)
        {
            return Invalid(ns, name, "tls.crt is not a PEM certificate");
        }
        using (leaf)
        {
            try
            {
                using var withKey = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(crt), Encoding.UTF8.GetString(keyPem));
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                return Invalid(ns, name, "tls.key is not a PEM private key (PKCS#8, PKCS#1 or SEC1) that matches the certificate in tls.crt");
            }
            var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            var notBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime(), TimeSpan.Zero);
            string? warning = now is not { } t ? null
                : t > notAfter ? $"the certificate in Secret {ns}/{name} expired at {Format(notAfter)}; it is still served, renew it"
                : t < notBefore ? $"the certificate in Secret {ns}/{name} is not valid before {Format(notBefore)}; it is served, clients will reject it until then"
                : null;
            var model = new CertificateModel
            {
                Secret = $"{ns}/{name}",
                Subject = leaf.Subject,
                Fingerprint = Convert.ToHexStringLower(SHA256.HashData(leaf.RawData)),
                NotAfter = notAfter,
                CertificatePem = crt,
                KeyPem = keyPem,
            };
            return new(model, null, warning);
        }
    }

    /// <summary>The PEM of the CA certificate(s) in <paramref name="name"/>'s ca.crt, or the problem.</summary>
    public (string? Pem, RouteProblem? Problem) LoadAuthority(string ns, string name, string field)
    {
        var key = new ObjectRef("Secret", ns, name);
        if (!_authorities.TryGetValue(key, out var loaded)) { _authorities[key] = loaded = ParseAuthority(ns, name); }
        return loaded.Problem is { } p ? (null, p with { Message = $"{field}: {p.Message}" }) : loaded;
    }

    private (string?, RouteProblem?) ParseAuthority(string ns, string name)
    {
        var problems = new List<(string Reason, string Message)>();
        if (SecretValues.Read(snapshot, ns, name, "ca.crt", $"Secret {ns}/{name}", problems) is not { } bytes)
        {
            return (null, new(problems[0].Reason, StripPrefix(problems[0].Message, ns, name)));
        }
        var pem = Encoding.UTF8.GetString(bytes);
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            bundle.Clear();
        }
        var count = bundle.Count;
        foreach (var cert in bundle) { cert.Dispose(); }
        return count > 0 ? (pem, null) : (null, new(Reasons.InvalidCertificate, $"Secret {ns}/{name}: ca.crt holds no PEM certificate"));
    }

    private static LoadedCertificate Invalid(string ns, string name, string what) =>
        new(null, new(Reasons.InvalidCertificate, $"Secret {ns}/{name}: {what}"), null);

    // SecretValues prefixes its messages with the field it was given; ours already is "Secret ns/name".
    private static string StripPrefix(string message, string ns, string name) =>
        message.StartsWith($"Secret {ns}/{name}: ", StringComparison.Ordinal) ? message[($"Secret {ns}/{name}: ".Length)..] : message;

    private static string Format(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
