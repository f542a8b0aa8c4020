using System.Net;
using Konnect.Gateway.Metrics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Konnect.Gateway.Admin;

/// <summary>
/// The sockets the gateway listens on, split into traffic and admin. Kestrel writes the bound port back into each
/// listener, so with port 0 (tests) the real port is known once the server has started.
/// </summary>
public sealed class GatewayListeners
{
    private readonly List<ListenOptions> _traffic = [];
    private readonly List<ListenOptions> _admin = [];
    private readonly List<ListenOptions> _tls = [];
    // With metrics off nobody reads the connection gauge: connections skip the counting middleware.
    private bool _countConnections = true;

    public IReadOnlyList<IPEndPoint> TrafficEndPoints => [.. _traffic.Select(l => l.IPEndPoint!)];

    public IReadOnlyList<IPEndPoint> AdminEndPoints => [.. _admin.Select(l => l.IPEndPoint!)];

    /// <summary>The HTTPS traffic sockets; empty when no TLS URL is configured.</summary>
    public IReadOnlyList<IPEndPoint> TlsEndPoints => [.. _tls.Select(l => l.IPEndPoint!)];

    internal void Configure(KestrelServerOptions kestrel, GatewayOptions options, GatewayMetrics metrics, Tls.CertificateSelector certificates, H2cHandoff handoff)
    {
        _countConnections = options.Metrics;
        foreach (var endpoint in ListenUrl.ParseTls(options.TlsUrls, nameof(options.TlsUrls)))
        {
            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                CountConnections(listen, metrics, "tls");
                listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions { OnConnection = certificates.OnConnection });
                _tls.Add(listen);
            });
        }

        foreach (var endpoint in ListenUrl.ParseAll(options.TrafficUrls, nameof(options.TrafficUrls)))
        {
            kestrel.Listen(endpoint, listen =>
            {
                _traffic.Add(listen);
                // Counted once per socket, before the sniffer decides which protocol serves it.
                CountConnections(listen, metrics, "traffic");
                // HTTP/1.1 here; connections opening with the HTTP/2 preface are handed to the endpoint below.
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(H2cPrefaceSniffer.Middleware(handoff));
            });
        }

        kestrel.Listen(new H2cHandoffEndPoint(), listen => listen.Protocols = HttpProtocols.Http2);

        foreach (var endpoint in ListenUrl.ParseAll(options.AdminUrls, nameof(options.AdminUrls)))
        {
            kestrel.Listen(endpoint, listen =>
            {
                _admin.Add(listen);
                CountConnections(listen, metrics, "admin");
            });
        }
    }

    /// <summary>Connection middleware: Kestrel exposes no connection count of its own to a MeterListener we own.</summary>
    private void CountConnections(ListenOptions listen, GatewayMetrics metrics, string listener)
    {
        if (!_countConnections) { return; }
        listen.Use(next => async connection =>
        {
            metrics.ConnectionOpened(listener);
            try
            {
                await next(connection);
            }
            finally
            {
                metrics.ConnectionClosed(listener);
            }
        });
    }

    /// <summary>True when the connection came in on an admin socket. A handful of listeners: a loop beats a set.</summary>
    internal bool IsAdminPort(int localPort)
    {
        foreach (var listener in _admin)
        {
            if (listener.IPEndPoint?.Port == localPort)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Parses "http://host:port" listen URLs into socket addresses.</summary>
internal static class ListenUrl
{
    public static IReadOnlyList<IPEndPoint> ParseAll(string urls, string setting)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            endpoints.Add(Parse(url, setting));
        }

        return endpoints.Count > 0 ? endpoints : throw new ArgumentException($"{setting} lists no URL; give at least one, e.g. http://0.0.0.0:8080.");
    }

    /// <summary>The https listen URLs; an empty setting means no HTTPS listener.</summary>
    public static IReadOnlyList<IPEndPoint> ParseTls(string urls, string setting) =>
        [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => Parse(u, setting, Uri.UriSchemeHttps))];

    internal static IPEndPoint Parse(string url, string setting, string scheme = "http")
    {
        // "*" and "+" are the wildcard spellings ASP.NET users know; Uri cannot parse them as hosts.
        var normalized = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != scheme || uri.AbsolutePath != "/")
        {
            throw new ArgumentException($"{setting}: '{url}' is not a listen URL of the form {scheme}://address:port.");
        }

        var host = uri.Host.Trim('[', ']');
        var address = host == "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(host, out var parsed) ? parsed
            : throw new ArgumentException($"{setting}: '{url}' must name an IP address, '*' or 'localhost', not a host name.");
        return new IPEndPoint(address, uri.Port);
    }
}
