using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

using Konnect.Testing;
namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>A real Kestrel upstream on 127.0.0.1 that answers with whatever the test's handler writes, and counts requests.</summary>
internal sealed class ScriptedBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ScriptedBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public int RequestCount => Volatile.Read(ref _requests);

    public string Url(string basePath = "") => $"http://127.0.0.1:{Port}{basePath}";

    public static async Task<ScriptedBackend> StartAsync(Func<HttpContext, Task> handler)
    {
        var app = LoopbackApp.Create();
        var backend = new ScriptedBackend(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref backend._requests);
            return handler(context);
        });
        await app.StartAsync();
        backend.Port = app.Port();
        return backend;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A clock the test moves by hand, so expiry is tested without sleeping.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
