using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Konnect.Gateway;

/// <summary>
/// The sockets the gateway listens on, split into traffic and admin. Kestrel writes the bound port back into each
/// listener, so with port 0 (tests) the real port is known once the server has started. Filled by the hosting layer
/// as it configures Kestrel (Hosting's KestrelSetup); read by the stages that tell admin from traffic requests and by
/// HTTPS redirects, which need the TLS port.
/// </summary>
public sealed class GatewayListeners
{
    private readonly List<ListenOptions> _traffic = [];
    private readonly List<ListenOptions> _admin = [];
    private readonly List<ListenOptions> _tls = [];
    private readonly List<ListenOptions> _portal = [];

    public IReadOnlyList<IPEndPoint> TrafficEndPoints => [.. _traffic.Select(l => l.IPEndPoint!)];

    public IReadOnlyList<IPEndPoint> AdminEndPoints => [.. _admin.Select(l => l.IPEndPoint!)];

    /// <summary>The HTTPS traffic sockets; empty when no TLS URL is configured.</summary>
    public IReadOnlyList<IPEndPoint> TlsEndPoints => [.. _tls.Select(l => l.IPEndPoint!)];

    internal void AddTraffic(ListenOptions listen) => _traffic.Add(listen);

    internal void AddAdmin(ListenOptions listen) => _admin.Add(listen);

    internal void AddTls(ListenOptions listen) => _tls.Add(listen);

    /// <summary>The developer portal's sockets; empty when the portal is off.</summary>
    public IReadOnlyList<IPEndPoint> PortalEndPoints => [.. _portal.Select(l => l.IPEndPoint!)];

    internal void AddPortal(ListenOptions listen) => _portal.Add(listen);

    /// <summary>True when the connection came in on a portal socket.</summary>
    internal bool IsPortalPort(int localPort) => _portal.Count > 0 && IsOn(_portal, localPort);

    /// <summary>True for the admin and portal sockets: requests there are Konnect's own, not proxied traffic.</summary>
    internal bool IsOwnPort(int localPort) => IsAdminPort(localPort) || IsPortalPort(localPort);

    /// <summary>True when the connection came in on an admin socket. A handful of listeners: a loop beats a set.</summary>
    internal bool IsAdminPort(int localPort) => IsOn(_admin, localPort);

    private static bool IsOn(List<ListenOptions> listeners, int localPort)
    {
        foreach (var listener in listeners)
        {
            if (listener.IPEndPoint?.Port == localPort)
            {
                return true;
            }
        }

        return false;
    }
}
