using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Konnect.Gateway.Tls;

/// <summary>
/// spec.tls.redirect and spec.tls.hsts, before routing: plain-HTTP requests for a redirecting host get a 308 to
/// https (308 keeps the method and body, unlike 301), and HTTPS responses for an HSTS host carry
/// Strict-Transport-Security. Browsers ignore HSTS received over plain HTTP, so it is never sent there.
/// </summary>
internal sealed class HttpsRedirectMiddleware(RequestDelegate next, HttpsHosts hosts, HttpsPort httpsPort)
{
    public Task InvokeAsync(HttpContext context)
    {
        // Request.Host.Host allocates a string when the header carries a port: skip it when no route uses TLS options.
        if (hosts.IsEmpty) { return next(context); }
        var host = context.Request.Host.Host;
        if (hosts.Find(host) is not { } tls) { return next(context); }
        if (context.Request.IsHttps)
        {
            if (tls.Hsts is { } hsts)
            {
                // OnStarting, so the header also lands on the gateway's own 404/503 and replaces an upstream's value.
                context.Response.OnStarting(static state =>
                {
                    var (response, value) = ((HttpResponse, string))state;
                    response.Headers.StrictTransportSecurity = value;
                    return Task.CompletedTask;
                }, (context.Response, hsts));
            }
            return next(context);
        }
        // HTTP/1.0 may come without a Host: there is no name to redirect to, so it is served as it is.
        if (!tls.Redirect || host.Length == 0) { return next(context); }

        var port = httpsPort.Port;
        var authority = port == 443 ? host : host + ":" + port.ToString(CultureInfo.InvariantCulture);
        if (host.Contains(':', StringComparison.Ordinal)) { authority = port == 443 ? $"[{host}]" : $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}"; }
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = new StringValues(
            "https://" + authority + context.Request.PathBase + context.Request.Path + context.Request.QueryString);
        return Task.CompletedTask;
    }
}
