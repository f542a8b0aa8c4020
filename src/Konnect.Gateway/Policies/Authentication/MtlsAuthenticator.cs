using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Konnect.Model;

namespace Konnect.Gateway.Policies.Authentication;

/// <summary>
/// Verifies a client certificate against one mtls block's CA bundle and maps it to a consumer. The TLS layer accepts
/// any certificate (so a bad one can be answered with a 401 problem rather than a failed handshake); this is where
/// it is judged: the chain must end at one of the bundle's certificates (not the system store), be within its dates
/// now, and allow client authentication. Revocation is not checked (no CRL or OCSP access is assumed).
/// </summary>
internal sealed class MtlsAuthenticator
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private readonly X509Certificate2Collection _roots = [];

    public MtlsAuthenticator(MtlsModel model)
    {
        if (model.CaPem is { } pem) { _roots.ImportFromPem(pem); }
        ForwardHeader = model.ForwardHeader;
    }

    public string? ForwardHeader { get; }

    /// <returns>The verified subject and consumer, or a failure that says why without quoting the certificate.</returns>
    public (ConsumerIdentity? Consumer, string? Subject, string? Failure) Authenticate(X509Certificate2 certificate, ConsumerIndex consumers)
    {
        if (_roots.Count == 0) { return (null, null, "No CA is configured for client certificates"); }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        // Never fetch a missing issuer from the certificate's AIA URL: the client would choose where the gateway
        // connects (SSRF), and the fetch is synchronous on the request's I/O thread. The chain must be complete.
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = DateTime.Now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        bool valid;
        try
        {
            valid = chain.Build(certificate);
        }
        catch (CryptographicException)
        {
            valid = false;
        }
        if (!valid)
        {
            var expired = chain.ChainStatus.Any(s => s.Status is X509ChainStatusFlags.NotTimeValid);
            return (null, null, expired ? "The client certificate is expired or not yet valid" : "The client certificate is not issued by a trusted CA");
        }
        var subject = certificate.SubjectName.Name;
        var consumer = consumers.ByCertificate(subject, AlternativeNames(certificate));
        return consumer is null
            ? (null, subject, "The client certificate is valid but identifies no KonnectConsumer")
            : (consumer, subject, null);
    }

    /// <summary>The DNS names and URIs of the subjectAltName extension (other kinds are not identities here).</summary>
    internal static List<string> AlternativeNames(X509Certificate2 certificate)
    {
        var names = new List<string>();
        if (certificate.Extensions["2.5.29.17"] is not { } extension) { return names; }
        try
        {
            var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                // GeneralName: [2] dNSName and [6] uniformResourceIdentifier are IA5Strings with implicit tags.
                if (tag.TagClass == TagClass.ContextSpecific && tag.TagValue is 2 or 6)
                {
                    names.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, tag));
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension contributes no names; the subject still counts.
        }
        return names;
    }
}
