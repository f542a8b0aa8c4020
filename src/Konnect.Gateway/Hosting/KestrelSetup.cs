using System.Net;
using Konnect.Gateway.Observability.Metrics;
using Konnect.Gateway.Tls;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Konnect.Gateway.Hosting;

/// <summary>
/// Binds Kestrel's listeners from the options: the HTTPS traffic sockets (certificates by SNI), the cleartext traffic
/// sockets (HTTP/1.1, with h2c prior knowledge handed to a second, HTTP/2-only endpoint), and the admin sockets. Each
/// one is recorded in <see cref="GatewayListeners"/>, where the bound ports can be read once the server has started.
/// </summary>
internal static class KestrelSetup
{
    public static void Configure(KestrelServerOptions kestrel, GatewayOptions options, GatewayListeners listeners, GatewayMetrics metrics,
        CertificateSelector certificates, H2cHandoff handoff)
    {
        ApplyLimits(kestrel.Limits, options.ClientLimits);
        // With metrics off nobody reads the connection gauge: connections skip the counting middleware.
        var count = options.Metrics;
        foreach (var endpoint in ListenUrl.ParseTls(options.TlsUrls, nameof(options.TlsUrls)))
        {
            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                CountConnections(listen, count, metrics, "tls");
                listen.UseHttps(new Microsoft.AspNetCore.Server.Kestrel.Https.TlsHandshakeCallbackOptions { OnConnection = certificates.OnConnection });
                listeners.AddTls(listen);
            });
        }

        foreach (var endpoint in ListenUrl.ParseAll(options.TrafficUrls, nameof(options.TrafficUrls)))
        {
            kestrel.Listen(endpoint, listen =>
            {
                listeners.AddTraffic(listen);
                // Counted once per socket, before the sniffer decides which protocol serves it.
                CountConnections(listen, count, metrics, "traffic");
                // HTTP/1.1 here; connections opening with the HTTP/2 preface are handed to the endpoint below.
                listen.Protocols = HttpProtocols.Http1;
                listen.Use(H2cPrefaceSniffer.Middleware(handoff));
            });
        }

        kestrel.Listen(new H2cHandoffEndPoint(), listen => listen.Protocols = HttpProtocols.Http2);

        foreach (var endpoint in ListenUrl.ParseOptional(options.PortalUrls, nameof(options.PortalUrls)))
        {
            kestrel.Listen(endpoint, listen =>
            {
                listeners.AddPortal(listen);
                CountConnections(listen, count, metrics, "portal");
            });
        }

        foreach (var endpoint in ListenUrl.ParseAll(options.AdminUrls, nameof(options.AdminUrls)))
        {
            kestrel.Listen(endpoint, listen =>
            {
                listeners.AddAdmin(listen);
                CountConnections(listen, count, metrics, "admin");
            });
        }
    }

    private static void ApplyLimits(KestrelServerLimits kestrel, ClientLimits limits)
    {
        kestrel.MaxRequestBodySize = limits.MaxRequestBodySize;
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.KeepAliveTimeout = limits.KeepAliveTimeout;
        kestrel.MinRequestBodyDataRate = limits.MinRequestBodyDataRate > 0
            ? new MinDataRate(limits.MinRequestBodyDataRate, limits.MinRequestBodyDataRateGrace)
            : null;
    }

    /// <summary>Connection middleware: Kestrel exposes no connection count of its own to a MeterListener we own.</summary>
    private static void CountConnections(ListenOptions listen, bool count, GatewayMetrics metrics, string listener)
    {
        if (!count) { return; }
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

    /// <summary>Listen URLs of a listener that is off when the setting is empty (the portal, HTTPS).</summary>
    public static IReadOnlyList<IPEndPoint> ParseOptional(string urls, string setting, string scheme = "http") =>
        [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => Parse(u, setting, scheme))];

    /// <summary>The https listen URLs; an empty setting means no HTTPS listener.</summary>
    public static IReadOnlyList<IPEndPoint> ParseTls(string urls, string setting) => ParseOptional(urls, setting, Uri.UriSchemeHttps);

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
