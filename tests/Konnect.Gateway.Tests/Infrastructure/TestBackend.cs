using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

using Konnect.Testing;
namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>
/// A real Kestrel upstream on 127.0.0.1. It answers with the path and query it received, so a test tells routes
/// apart by giving each one its own base path on the same backend ("http://127.0.0.1:port/a" → body "/a/...").
/// Paths ending in "/hang" never answer; paths ending in "/slow" wait for <see cref="ReleaseSlow"/>. Paths ending in
/// "/probe" are health probes: 200 while <see cref="Healthy"/>, else 503, and not counted in <see cref="RequestCount"/>.
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    public const string SeenRequestIdHeader = "x-upstream-saw-request-id";

    private readonly WebApplication _app;
    private readonly TaskCompletionSource _slowGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _slowStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private TestBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    private int _requests;
    private int _failNext;
    private int _probes;

    /// <summary>Whether "/probe" answers 200 (else 503).</summary>
    public bool Healthy { get; set; } = true;

    /// <summary>When set, every request that is not a probe is answered with this status (still counted).</summary>
    public int? ForcedStatus { get; set; }

    /// <summary>Health probes received.</summary>
    public int ProbeCount => Volatile.Read(ref _probes);

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/>; later ones are served normally.</summary>
    public void FailNext(int count, int status)
    {
        ForcedStatus = null;
        _failStatus = status;
        Volatile.Write(ref _failNext, count);
    }

    private int _failStatus;

    /// <summary>Requests that reached this upstream: tests prove the gateway answered something itself.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    public string Url(string basePath = "") => $"http://127.0.0.1:{Port}{basePath}";

    /// <summary>Completes when a "/slow" request has arrived and is waiting.</summary>
    public Task SlowStarted => _slowStarted.Task;

    public void ReleaseSlow() => _slowGate.TrySetResult();

    public static async Task<TestBackend> StartAsync()
    {
        var app = LoopbackApp.Create();
        var backend = new TestBackend(app);
        app.Run(backend.HandleAsync);
        await app.StartAsync();
        backend.Port = app.Port();
        return backend;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.EndsWith("/probe", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _probes);
            context.Response.StatusCode = Healthy ? 200 : 503;
            return;
        }

        Interlocked.Increment(ref _requests);
        if (ForcedStatus is { } forced)
        {
            context.Response.StatusCode = forced;
            return;
        }
        if (Volatile.Read(ref _failNext) > 0 && Interlocked.Decrement(ref _failNext) >= 0)
        {
            context.Response.StatusCode = _failStatus;
            return;
        }

        if (path.EndsWith("/hang", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }

        if (path.EndsWith("/slow", StringComparison.Ordinal))
        {
            _slowStarted.TrySetResult();
            await _slowGate.Task.WaitAsync(context.RequestAborted);
        }

        context.Response.Headers[SeenRequestIdHeader] = context.Request.Headers["x-request-id"];
        context.Response.ContentType = "text/plain";
        if (path.EndsWith("/headers", StringComparison.Ordinal))
        {
            // Echoes what reached the upstream, one "name: value" line per header, after the path and query.
            var lines = context.Request.Headers.Select(h => $"{h.Key.ToLowerInvariant()}: {h.Value}");
            await context.Response.WriteAsync(path + context.Request.QueryString.Value + "\n" + string.Join("\n", lines));
            return;
        }

        await context.Response.WriteAsync(path + context.Request.QueryString.Value);
    }

    public async ValueTask DisposeAsync()
    {
        _slowGate.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
