using System.Text;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>
/// Real Kestrel upstreams standing in for the ones `make run` starts (samples/local names them by port): each answers
/// with its name and what it received, in a fixed order, so the same request always gets the same bytes back.
/// </summary>
internal sealed class EchoUpstreams : IAsyncDisposable
{
    /// <summary>The sample port each upstream stands in for, and its name.</summary>
    public static readonly (int SamplePort, string Name)[] Stand = [(9101, "orders-v1"), (9102, "orders-v2"), (9103, "legacy"), (9104, "model")];

    private readonly List<WebApplication> _apps = [];

    /// <summary>Sample port → the port the stand-in listens on.</summary>
    public Dictionary<int, int> Ports { get; } = [];

    public static async Task<EchoUpstreams> StartAsync()
    {
        var upstreams = new EchoUpstreams();
        foreach (var (samplePort, name) in Stand)
        {
            var app = LoopbackApp.Create();
            app.Run(context => EchoAsync(context, name));
            await app.StartAsync();
            upstreams._apps.Add(app);
            upstreams.Ports[samplePort] = app.Port();
        }
        return upstreams;
    }

    private static Task EchoAsync(HttpContext context, string name)
    {
        var request = context.Request;
        var text = new StringBuilder()
            .Append("backend: ").Append(name).Append('\n')
            .Append(request.Method).Append(' ').Append(request.Path.Value).Append(request.QueryString.Value).Append('\n');
        foreach (var header in request.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(header.Key.ToLowerInvariant()).Append(": ").Append(header.Value.ToString()).Append('\n');
        }
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers["x-echo-backend"] = name;
        return context.Response.WriteAsync(text.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps) { await app.DisposeAsync(); }
    }
}
