using Konnect.Model;

namespace Konnect.Gateway.Tls;

/// <summary>
/// The server names whose handshakes ask for a client certificate: the hosts of rules whose policies enable mtls
/// (exact, "*.suffix", or every name when such a rule has no hosts). Other hosts never ask, so browsers calling
/// them are not prompted for a certificate. Immutable, built once per applied model.
/// </summary>
internal sealed class ClientCertificateHosts
{
    public static readonly ClientCertificateHosts None = new([], [], false);

    private readonly HashSet<string> _exact;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _wildcard;
    private readonly bool _anyHost;
    private readonly bool _empty;

    private ClientCertificateHosts(HashSet<string> exact, HashSet<string> wildcard, bool anyHost)
    {
        _exact = exact;
        _wildcard = wildcard.GetAlternateLookup<ReadOnlySpan<char>>();
        _anyHost = anyHost;
        _empty = exact.Count == 0 && wildcard.Count == 0 && !anyHost;
    }

    public static ClientCertificateHosts Build(GatewayModel model)
    {
        var exact = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var anyHost = false;
        foreach (var route in model.Routes)
        {
            if (route.Policies?.Authentication?.Mtls is null) { continue; }
            anyHost |= route.Hosts.Count == 0;
            foreach (var host in route.Hosts)
            {
                if (host.StartsWith("*.", StringComparison.Ordinal)) { wildcard.Add(host[1..]); }
                else { exact.Add(host); }
            }
        }
        return exact.Count == 0 && wildcard.Count == 0 && !anyHost ? None : new ClientCertificateHosts(exact, wildcard, anyHost);
    }

    /// <summary>Whether a handshake for <paramref name="serverName"/> asks for a client certificate.</summary>
    public bool Requests(string? serverName)
    {
        if (_empty) { return false; }
        if (_anyHost) { return true; }
        if (string.IsNullOrEmpty(serverName)) { return false; }
        var name = serverName.TrimEnd('.');
        if (_exact.Contains(name)) { return true; }
        for (var dot = name.IndexOf('.'); dot >= 0; dot = name.IndexOf('.', dot + 1))
        {
            if (_wildcard.Contains(name.AsSpan(dot))) { return true; }
        }
        return false;
    }
}
