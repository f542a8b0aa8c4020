using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates an mtls block and reads its CA bundle (key ca.crt of caSecret, in the policy's namespace). Without a
/// usable CA no certificate could ever be verified, so the caller fails the policy closed.
/// </summary>
internal static class MtlsBlockCompiler
{
    private const string Field = "spec.authentication.mtls";

    public static string? TryCompile(MtlsAuthentication block, out MtlsModel? model)
    {
        model = null;
        if (string.IsNullOrEmpty(block.CaSecret)) { return $"{Field}.caSecret: name a Secret in the policy's namespace"; }
        string? header = null;
        if (block.ForwardHeader is { } forward)
        {
            header = forward.ToLowerInvariant();
            if (header.Length == 0 || !header.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+.^_`|~-".Contains(c)))
            {
                return $"{Field}.forwardHeader: \"{forward}\" is not a header name";
            }
            // The gateway owns these: a forwarded subject must not be confused with the consumer identity.
            if (header is "authorization" or "host" or "x-konnect-consumer" or "x-konnect-consumer-groups")
            {
                return $"{Field}.forwardHeader: \"{header}\" is reserved; use a dedicated header such as x-client-subject";
            }
        }
        model = new MtlsModel { CaSecret = block.CaSecret, ForwardHeader = header };
        return null;
    }

    /// <returns>The block with the CA set, or null with the problem (SecretNotFound, SecretKeyNotFound or
    /// InvalidCertificate; the message never quotes the Secret's content).</returns>
    public static MtlsModel? Resolve(MtlsModel mtls, string ns, ResourceSnapshot snapshot, out (string Reason, string Message) problem)
    {
        problem = default;
        var problems = new List<(string Reason, string Message)>();
        if (SecretValues.Read(snapshot, ns, mtls.CaSecret, "ca.crt", $"{Field}.caSecret", problems) is not { } bytes)
        {
            problem = problems[0];
            return null;
        }
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPem(Encoding.UTF8.GetString(bytes));
        }
        catch (CryptographicException)
        {
            bundle.Clear();
        }
        var count = bundle.Count;
        var authorities = bundle.Count(c => c.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority));
        foreach (var cert in bundle) { cert.Dispose(); }
        if (count == 0 || authorities == 0)
        {
            var what = count == 0 ? "holds no PEM certificate" : "holds no CA certificate (basicConstraints CA:TRUE)";
            problem = (Reasons.InvalidCertificate, $"{Field}.caSecret: Secret {ns}/{mtls.CaSecret} key ca.crt {what}");
            return null;
        }
        var pem = Encoding.UTF8.GetString(bytes);
        var version = Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8));
        return mtls with { CaPem = pem, CaVersion = version };
    }
}
