using System.Security.Cryptography.X509Certificates;
using System.Net.Security;
using System.Text;
using Konnect.Model;

namespace Konnect.Gateway.Tls;

/// <summary>
/// The HTTPS listener's certificates for one applied model: exact host names, then the most specific "*.suffix",
/// then the default. Immutable; the certificate contexts are built when the model is applied, never per handshake.
/// </summary>
internal sealed class SniCertificates
{
    public static readonly SniCertificates Empty = new([], [], null);

    private readonly Dictionary<string, SslStreamCertificateContext> _exact;
    // Keyed by ".suffix" so a name's suffixes are looked up as slices, without allocating.
    private readonly Dictionary<string, SslStreamCertificateContext>.AlternateLookup<ReadOnlySpan<char>> _wildcard;
    private readonly SslStreamCertificateContext? _default;

    private SniCertificates(Dictionary<string, SslStreamCertificateContext> exact, Dictionary<string, SslStreamCertificateContext> wildcard, SslStreamCertificateContext? fallback)
    {
        _exact = exact;
        _wildcard = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        _default = fallback;
    }

    /// <summary>Builds the table; contexts of certificates with a fingerprint in <paramref name="reuse"/> are taken from it.</summary>
    public static SniCertificates Build(TlsModel? model, IReadOnlyDictionary<string, SslStreamCertificateContext> reuse, Dictionary<string, SslStreamCertificateContext> built)
    {
        if (model is null) { return Empty; }
        SslStreamCertificateContext Context(CertificateModel certificate)
        {
            if (built.TryGetValue(certificate.Fingerprint, out var context)) { return context; }
            context = reuse.GetValueOrDefault(certificate.Fingerprint) ?? Create(certificate);
            built[certificate.Fingerprint] = context;
            return context;
        }

        var exact = new Dictionary<string, SslStreamCertificateContext>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new Dictionary<string, SslStreamCertificateContext>(StringComparer.OrdinalIgnoreCase);
        foreach (var certificate in model.Certificates)
        {
            foreach (var host in certificate.Hosts)
            {
                if (host.StartsWith("*.", StringComparison.Ordinal)) { wildcard.TryAdd(host[1..], Context(certificate)); }
                else { exact.TryAdd(host, Context(certificate)); }
            }
        }
        return new SniCertificates(exact, wildcard, model.DefaultCertificate is { } d ? Context(d) : null);
    }

    /// <summary>The context for <paramref name="serverName"/>: exact, most specific wildcard, default, else null (refuse).</summary>
    public SslStreamCertificateContext? Select(string? serverName)
    {
        if (string.IsNullOrEmpty(serverName)) { return _default; }
        var name = serverName.TrimEnd('.');
        if (_exact.TryGetValue(name, out var exact)) { return exact; }
        // "*.example.com" covers any name ending in ".example.com" (Konnect's routing reads wildcards the same way).
        for (var dot = name.IndexOf('.'); dot >= 0; dot = name.IndexOf('.', dot + 1))
        {
            if (_wildcard.TryGetValue(name.AsSpan(dot), out var wildcard)) { return wildcard; }
        }
        return _default;
    }

    private static SslStreamCertificateContext Create(CertificateModel certificate)
    {
        var pem = Encoding.UTF8.GetString(certificate.CertificatePem);
        var leaf = X509Certificate2.CreateFromPem(pem, Encoding.UTF8.GetString(certificate.KeyPem));
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(pem);
        // The first PEM block is the leaf; the rest are intermediates sent along in the handshake.
        var intermediates = new X509Certificate2Collection();
        foreach (var cert in chain.Skip(1)) { intermediates.Add(cert); }
        return SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }
}
