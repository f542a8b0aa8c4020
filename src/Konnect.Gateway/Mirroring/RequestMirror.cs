using System.Net;
using Konnect.Model;
using Konnect.Gateway.Observability.Metrics;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Mirroring;

/// <summary>
/// Sends mirror copies, fire and forget, on one shared client: a short timeout, at most <see cref="MaxInFlight"/>
/// copies in flight per process (more are dropped and counted), answers discarded. Nothing here can delay, fail or
/// change the primary exchange.
/// </summary>
internal sealed partial class RequestMirror : IDisposable
{
    public const string MirrorHeader = "x-konnect-mirror";
    public const int MaxInFlight = 64;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly HttpMessageInvoker _client;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<RequestMirror> _logger;
    private int _inFlight;

    public RequestMirror(GatewayMetrics metrics, ILogger<RequestMirror> logger)
    {
        _logger = logger;
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = MaxInFlight,
        });
        _metrics = metrics;
    }

    /// <summary>Copies currently in flight, for tests and diagnostics.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public void Skipped(int copies) => _metrics.MirrorCopy("skipped", copies);

    /// <summary>Starts sending <paramref name="copy"/> without waiting for it; takes ownership of the message.</summary>
    public void Start(MirrorModel mirror, HttpRequestMessage copy)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            copy.Dispose();
            _metrics.MirrorCopy("dropped");
            return;
        }
        if (mirror.Backend.Protocol == UpstreamProtocol.H2c)
        {
            copy.Version = HttpVersion.Version20;
            copy.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        // On the thread pool: even the synchronous part of starting a send (connection setup) stays off the request's path.
        _ = Task.Run(() => SendAsync(mirror.Backend.Name, copy));
    }

    private async Task SendAsync(string backend, HttpRequestMessage copy)
    {
        var outcome = "sent";
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            using var response = await _client.SendAsync(copy, timeout.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            outcome = "failed";
            LogFailed(_logger, backend, e.GetType().Name, e.Message);
        }
        finally
        {
            copy.Dispose();
            // Counted before it leaves the in-flight count, so "nothing in flight" means every outcome is recorded.
            _metrics.MirrorCopy(outcome);
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public void Dispose() => _client.Dispose();

    [LoggerMessage(EventId = 90, Level = LogLevel.Debug, Message = "Mirror copy to {Backend} failed: {Error}: {Message}")]
    private static partial void LogFailed(ILogger logger, string backend, string error, string message);
}
