using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Konnect.Testing.Tls;

/// <summary>A certificate made in the test, with its PEM forms as a kubernetes.io/tls Secret holds them.</summary>
public sealed class TestCertificate
{
    private TestCertificate(X509Certificate2 certificate, string certificatePem, string keyPem)
    {
        Certificate = certificate;
        CertificatePem = certificatePem;
        KeyPem = keyPem;
    }

    /// <summary>With its private key, for signing leaves (a CA) or serving (a Kestrel backend).</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePem { get; }

    public string KeyPem { get; }

    public string Thumbprint => Certificate.Thumbprint;

    public string Subject => Certificate.Subject;

    /// <summary>A self-signed certificate for <paramref name="dnsNames"/> (the first is the CN), valid around now.</summary>
    public static TestCertificate SelfSigned(params string[] dnsNames) => Create(dnsNames, issuer: null, isCa: false, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

    /// <summary>A CA that can sign leaves.</summary>
    public static TestCertificate Authority(string name) => Create([name], issuer: null, isCa: true, DateTimeOffset.UtcNow.AddDays(-2), DateTimeOffset.UtcNow.AddDays(60));

    /// <summary>A leaf for <paramref name="dnsNames"/> (and 127.0.0.1) signed by this CA.</summary>
    public TestCertificate Issue(params string[] dnsNames) => Create(dnsNames, this, isCa: false, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

    /// <summary>
    /// A client certificate (EKU clientAuth) with subject "CN=<paramref name="commonName"/>, O=Konnect Tests", an
    /// optional URI SAN, signed by this CA; <paramref name="expired"/> makes it end yesterday.
    /// </summary>
    public TestCertificate IssueClient(string commonName, string? uri = null, bool expired = false) => Create([commonName], this, isCa: false,
        DateTimeOffset.UtcNow.AddDays(expired ? -2 : -1), DateTimeOffset.UtcNow.AddDays(expired ? -1 : 30), client: (uri, "O=Konnect Tests"));

    /// <summary>A self-signed certificate that expired yesterday.</summary>
    public static TestCertificate Expired(params string[] dnsNames) => Create(dnsNames, issuer: null, isCa: false, DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1));

    private static TestCertificate Create(string[] dnsNames, TestCertificate? issuer, bool isCa, DateTimeOffset notBefore, DateTimeOffset notAfter,
        (string? Uri, string Organization)? client = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = client is { } c ? $"CN={dnsNames[0]}, {c.Organization}" : $"CN={dnsNames[0]}";
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, isCa));
        if (isCa)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        }
        else if (client is { } identity)
        {
            if (identity.Uri is { } uri)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddUri(new Uri(uri));
                request.CertificateExtensions.Add(san.Build());
            }
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        }
        else
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames) { san.AddDnsName(name); }
            san.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        }
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        X509Certificate2 certificate;
        if (issuer is null)
        {
            certificate = request.CreateSelfSigned(notBefore, notAfter);
        }
        else
        {
            var serial = RandomNumberGenerator.GetBytes(12);
            using var signed = request.Create(issuer.Certificate, notBefore, notAfter, serial);
            certificate = signed.CopyWithPrivateKey(key);
        }
        var keyPem = new string(PemEncoding.Write("PRIVATE KEY", key.ExportPkcs8PrivateKey()));
        var certPem = new string(PemEncoding.Write("CERTIFICATE", certificate.RawData));
        // A private key made ephemerally cannot serve TLS on every platform; a PKCS#12 round trip makes it usable.
        var usable = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        certificate.Dispose();
        return new TestCertificate(usable, certPem + "\n", keyPem + "\n");
    }

    public byte[] CertificatePemBytes => Encoding.UTF8.GetBytes(CertificatePem);

    public byte[] KeyPemBytes => Encoding.UTF8.GetBytes(KeyPem);
}
