using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Konnect.Gateway.Redis;

/// <summary>
/// Checks the Redis server's certificate: the system's trust, or else the CA bundle of --redis-tls-ca (every certificate
/// in the PEM file is a trust anchor, so a bundle holding the old and the new CA works through a rotation). The file is
/// read at each handshake that needs it, so a rotated Secret or ConfigMap takes effect on the next reconnect.
/// StackExchange.Redis's own TrustIssuer takes a single certificate, hence this callback. The reason a certificate was
/// refused is kept for <see cref="RedisConnection"/>'s messages: SslStream only says "rejected by the callback".
/// </summary>
internal sealed class RedisTrust(string? caFile, string? serverName)
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>Why the last certificate was refused, or null.</summary>
    public string? LastProblem { get; private set; }

    /// <summary>Reads the certificates of a PEM bundle.</summary>
    /// <exception cref="FormatException">Unreadable, or no certificate in it.</exception>
    public static X509Certificate2Collection Load(string caFile)
    {
        var bundle = new X509Certificate2Collection();
        try
        {
            bundle.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"--redis-tls-ca {caFile}: cannot read it as PEM certificates ({e.Message})", e);
        }
        return bundle.Count > 0 ? bundle : throw new FormatException($"--redis-tls-ca {caFile}: holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) { return true; }
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return Refuse("the server sent no certificate");
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return Refuse(serverName is null
                ? "the server's certificate does not name the host connected to (set --redis-tls-server-name to the name it carries)"
                : $"the server's certificate does not name {serverName} (--redis-tls-server-name)");
        }
        if (caFile is null)
        {
            return Refuse($"the server's certificate is not trusted by the system's CAs ({Status(chain)}); give its CA with --redis-tls-ca");
        }

        X509Certificate2Collection bundle;
        try { bundle = Load(caFile); }
        catch (FormatException e) { return Refuse(e.Message); }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(bundle);
        // A private CA rarely publishes revocation lists, and a gateway must not stall a handshake fetching one.
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        if (chain is not null) { custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore); }
        using var presented = new X509Certificate2(certificate);
        if (custom.Build(presented))
        {
            LastProblem = null;
            return true;
        }
        return Refuse($"the server's certificate is not issued by a CA in {caFile} ({Status(custom)})");
    }

    private bool Refuse(string why)
    {
        LastProblem = why;
        return false;
    }

    private static string Status(X509Chain? chain) =>
        chain is null || chain.ChainStatus.Length == 0
            ? "chain not valid"
            : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
}
