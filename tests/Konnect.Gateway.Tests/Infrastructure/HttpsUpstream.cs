using System.Net;
using Konnect.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>A real Kestrel HTTPS upstream on a loopback port, with the TLS settings a test gives it.</summary>
internal sealed class HttpsUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpsUpstream(WebApplication app) => (_app, Port) = (app, new Uri(app.Urls.Single()).Port);

    public int Port { get; }

    public static async Task<HttpsUpstream> StartAsync(HttpsConnectionAdapterOptions https, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.RemoveAll<ILoggerProvider>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(https)));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return new HttpsUpstream(app);
    }

    /// <summary>One rule sending to this upstream through a backend with <paramref name="tls"/>.</summary>
    public RouteModel Route(BackendTlsModel tls) => Routes.Route("secure", $"https://127.0.0.1:{Port}") with
    {
        Backends = [new BackendModel { Name = "secure", Weight = 1, Endpoints = [$"https://127.0.0.1:{Port}"], Tls = tls }],
    };

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
