using System.Net;

namespace Konnect.Gateway.Ai.Providers;

/// <summary>The one connection pool AI calls share: providers are few hosts, reached over long-lived HTTP/1.1 or HTTP/2 connections.</summary>
internal static class AiHttp
{
    public static HttpMessageInvoker CreateInvoker() => new(new SocketsHttpHandler
    {
        // Provider hosts move (DNS behind a CDN): connections are renewed so a changed address is picked up.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        // Answers go to the client as they come, so nothing asks for compression the gateway would have to undo.
        AutomaticDecompression = DecompressionMethods.None,
        AllowAutoRedirect = false,
        UseCookies = false,
        EnableMultipleHttp2Connections = true,
    }, disposeHandler: true);
}
