using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Konnect.Bench.Scale;

/// <summary>
/// A tiny in-process backend answering "{name} {path}", so a poll sees both which backend answered (an endpoint
/// change) and the path the gateway sent (a route's rewrite change). It listens on 0.0.0.0: the routes' 20,000
/// endpoints are distinct 127.x.y.z addresses, and on Linux every address of 127.0.0.0/8 reaches a socket bound to
/// the wildcard, so Konnect sees 20,000 different endpoints while two processes answer.
/// </summary>
public sealed class Upstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private Upstream(WebApplication app, string name, int port) => (_app, Name, Port) = (app, name, port);

    public string Name { get; }
    public int Port { get; }

    public static async Task<Upstream> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Any, 0));
        var app = builder.Build();
        var prefix = name + " ";
        app.Run(context => context.Response.WriteAsync(prefix + context.Request.Path.Value));
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Upstream(app, name, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
