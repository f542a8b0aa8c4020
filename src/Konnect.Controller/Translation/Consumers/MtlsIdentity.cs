using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Konnect.Api.V1Alpha1;

namespace Konnect.Controller.Translation.Consumers;

/// <summary>
/// Checks a consumer's credentials.mtls. A subject is parsed and formatted again by X500DistinguishedName, the same
/// formatting the gateway applies to a presented certificate, so spacing differences cannot make an identity miss.
/// </summary>
internal static class MtlsIdentity
{
    private const string Field = "spec.credentials.mtls";

    public static string? TryNormalise(MtlsCredential credential, out string? subject, out string? san)
    {
        subject = null;
        san = null;
        var hasSubject = !string.IsNullOrWhiteSpace(credential.Subject);
        var hasSan = !string.IsNullOrWhiteSpace(credential.San);
        if (hasSubject == hasSan) { return $"{Field}: set exactly one of subject and san"; }
        if (hasSan)
        {
            san = credential.San!.Trim();
            return null;
        }
        try
        {
            // Decoded from its encoding: a name built from a string keeps that string as its Name, unnormalised.
            subject = new X500DistinguishedName(new X500DistinguishedName(credential.Subject!).RawData).Name;
        }
        catch (CryptographicException)
        {
            return $"{Field}.subject: \"{credential.Subject}\" is not a distinguished name (for example CN=orders, O=Example)";
        }
        return string.IsNullOrEmpty(subject) ? $"{Field}.subject: the distinguished name is empty" : null;
    }
}
