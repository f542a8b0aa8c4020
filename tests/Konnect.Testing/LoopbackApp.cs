using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Konnect.Testing;

/// <summary>The real Kestrel peers of the tests (upstreams, JWKS hosts, receivers): quiet, on a free loopback port.</summary>
public static class LoopbackApp
{
    /// <summary>A slim app listening on 127.0.0.1 with a port the OS picks; map its endpoints, then start it.</summary>
    public static WebApplication Create() => Create(HttpProtocols.Http1AndHttp2);

    /// <summary>
    /// As <see cref="Create()"/>, speaking <paramref name="protocols"/>: without TLS, Http2 alone is HTTP/2 with prior
    /// knowledge (h2c), and Http1AndHttp2 is HTTP/1.1 only (Kestrel needs ALPN to offer both on one port).
    /// </summary>
    public static WebApplication Create(HttpProtocols protocols)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.RemoveAll<ILoggerProvider>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
        return builder.Build();
    }

    /// <summary>The port a started app got.</summary>
    public static int Port(this WebApplication app) => new Uri(app.Urls.Single()).Port;
}
