using System.Text.Json.Serialization;

namespace Konnect.Model;

/// <summary>The certificates the HTTPS listener serves, chosen per connection by SNI.</summary>
public sealed record TlsModel
{
    /// <summary>One entry per usable Secret that accepted routes name, ordered by Secret.</summary>
    public IReadOnlyList<CertificateModel> Certificates { get; init; } = [];

    /// <summary>Served when the SNI names no route's host (or is absent); without it such handshakes are refused.</summary>
    public CertificateModel? DefaultCertificate { get; init; }

    /// <summary>Why the configured default certificate cannot be served, when it cannot. Names the Secret, never its data.</summary>
    public string? DefaultCertificateProblem { get; init; }
}

/// <summary>
/// A validated kubernetes.io/tls Secret. The PEM bytes are [JsonIgnore] and byte arrays (a record's ToString prints
/// "System.Byte[]" for them), so /config, golden files and any log of the model show the fingerprint and expiry only.
/// The fingerprint is serialised, so rotating the Secret changes the model version.
/// </summary>
public sealed record CertificateModel
{
    /// <summary>"namespace/name" of the Secret.</summary>
    public required string Secret { get; init; }

    /// <summary>Lower-case SNI names this certificate answers for, exact or "*.suffix", ordered.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    public required string Subject { get; init; }

    /// <summary>Lower-case hex SHA-256 of the leaf certificate (DER).</summary>
    public required string Fingerprint { get; init; }

    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>tls.crt: the leaf then any intermediates.</summary>
    [JsonIgnore] public byte[] CertificatePem { get; init; } = [];

    /// <summary>tls.key. Never serialised, logged or put in a message.</summary>
    [JsonIgnore] public byte[] KeyPem { get; init; } = [];
}

/// <summary>How a rule's plain-HTTP and HTTPS responses treat TLS.</summary>
public sealed record RouteTlsModel
{
    /// <summary>Plain-HTTP requests get a 308 to the same URL on https.</summary>
    public bool Redirect { get; init; }

    /// <summary>The Strict-Transport-Security value added to HTTPS responses, or null.</summary>
    public string? Hsts { get; init; }
}

/// <summary>How the gateway reaches an https backend.</summary>
public sealed record BackendTlsModel
{
    /// <summary>The name sent in SNI (as the Host header) and checked against the certificate; null keeps the url's host.</summary>
    public string? Sni { get; init; }

    /// <summary>PEM of the only trust anchors; null means the system trust store. Public, but long: /config shows
    /// <see cref="CaFingerprint"/> instead, which also moves the model version when the CA changes.</summary>
    [JsonIgnore] public string? CaPem { get; init; }

    /// <summary>"Secret namespace/name sha256:…" of the CA bundle, or null.</summary>
    public string? CaFingerprint { get; init; }

    public bool InsecureSkipVerify { get; init; }

    /// <summary>"Secret namespace/name sha256:…" (leaf DER) of the client certificate presented to the upstream, or null.
    /// Serialised in place of the pair, so a rotated Secret moves the model version.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>tls.crt of the client certificate Secret: the leaf then any intermediates.</summary>
    [JsonIgnore] public string? ClientCertificatePem { get; init; }

    /// <summary>tls.key of the client certificate Secret. Never serialised, logged or put in a message; a string
    /// property would print in the record's ToString, so that is overridden below.</summary>
    [JsonIgnore] public string? ClientKeyPem { get; init; }

    // The generated ToString would print ClientKeyPem; the key must never reach a log.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Sni = {Sni}, CaFingerprint = {CaFingerprint}, InsecureSkipVerify = {InsecureSkipVerify}, ClientCertificate = {ClientCertificate}");
        return true;
    }
}
