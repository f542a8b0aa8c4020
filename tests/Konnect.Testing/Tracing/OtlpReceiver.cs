using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Testing.Tracing;

/// <summary>
/// An OTLP/HTTP trace collector on 127.0.0.1:0: POST /v1/traces with an application/x-protobuf
/// ExportTraceServiceRequest, answered with an empty ExportTraceServiceResponse. It keeps every span it decoded and
/// the headers of the last export (OTEL_EXPORTER_OTLP_HEADERS reach it there).
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedSpan> _spans = [];
    private readonly Dictionary<string, string> _lastHeaders = new(StringComparer.OrdinalIgnoreCase);
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The full traces URL, as a signal-specific endpoint takes it.</summary>
    public Uri TracesUrl => new(BaseUrl, "/v1/traces");

    public static async Task<OtlpReceiver> StartAsync()
    {
        var app = LoopbackApp.Create();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", receiver.ExportAsync);
        await app.StartAsync();
        receiver.BaseUrl = new Uri(app.Urls.Single());
        return receiver;
    }

    public IReadOnlyList<ReceivedSpan> Spans
    {
        get { lock (_spans) { return [.. _spans]; } }
    }

    public string? LastHeader(string name)
    {
        lock (_spans) { return _lastHeaders.TryGetValue(name, out var value) ? value : null; }
    }

    /// <summary>Waits until the spans received so far satisfy <paramref name="done"/> (woken by each export, no polling).</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(Func<IReadOnlyList<ReceivedSpan>, bool> done, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task arrived;
            lock (_spans)
            {
                if (done(_spans)) { return [.. _spans]; }
                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                var received = Spans;
                throw new TimeoutException($"The collector did not receive the expected spans; it has {received.Count}: "
                    + string.Join("; ", received.Select(s => $"{s.Name} {s.TraceId}/{s.SpanId}")));
            }
        }
    }

    private async Task ExportAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var spans = OtlpTraceDecoder.Decode(body.ToArray());
        lock (_spans)
        {
            _spans.AddRange(spans);
            _lastHeaders.Clear();
            foreach (var header in context.Request.Headers) { _lastHeaders[header.Key] = header.Value.ToString(); }
            var arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            arrived.SetResult();
        }

        // An empty ExportTraceServiceResponse: no partial_success field means everything was accepted.
        context.Response.ContentType = "application/x-protobuf";
        context.Response.ContentLength = 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
