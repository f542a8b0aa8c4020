using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>One route under load: the path to ask for and what every answer's body must contain.</summary>
public sealed record LoadTarget(string Path, params string[] BodyMustContain);

/// <summary>
/// wrk-style load: a closed loop of <c>connections</c> keep-alive HTTP/1.1 connections, each sending its next GET as
/// soon as the last answer is read, round the targets. Every answer is checked: anything but a 200 whose body holds
/// what the target expects, and any connection error, is a failure. Each connection has its own handler holding one
/// connection, and every connect is counted: a reload that closed client connections would show as more connects
/// than connections even where SocketsHttpHandler retries the request on a fresh one.
/// </summary>
public sealed class ClosedLoopLoad : IAsyncDisposable
{
    private readonly Uri _gateway;
    private readonly IReadOnlyList<LoadTarget> _targets;
    private readonly List<Task> _workers = [];
    private readonly List<string> _failures = [];
    private readonly HttpClient[] _clients;
    private volatile bool _stopping;
    private long _started;
    private TimeSpan _ran;
    private long _served;
    private long _failed;
    private int _connects;

    public ClosedLoopLoad(Uri gateway, IReadOnlyList<LoadTarget> targets, int connections)
    {
        _gateway = gateway;
        _targets = targets;
        _clients = [.. Enumerable.Range(0, connections).Select(_ => new HttpClient(Handler()) { Timeout = TimeSpan.FromSeconds(30) })];
    }

    public int Connections => _clients.Length;

    /// <summary>Answers that were right.</summary>
    public long Served => Interlocked.Read(ref _served);

    /// <summary>Non-200 answers, wrong bodies and connection errors.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>TCP connections opened; equal to <see cref="Connections"/> when none was ever closed under the client.</summary>
    public int Connects => Volatile.Read(ref _connects);

    /// <summary>The first few failures, each with what went wrong.</summary>
    public IReadOnlyList<string> FailureSamples { get { lock (_failures) { return [.. _failures]; } } }

    /// <summary>How long the load ran (so far, until stopped).</summary>
    public TimeSpan Elapsed => _stopping ? _ran : Stopwatch.GetElapsedTime(_started);

    public void Start()
    {
        _started = Stopwatch.GetTimestamp();
        for (var i = 0; i < _clients.Length; i++)
        {
            var (client, first) = (_clients[i], i);
            _workers.Add(Task.Run(() => RunAsync(client, first)));
        }
    }

    /// <summary>Stops after each connection's request in flight is answered (and checked).</summary>
    public async Task StopAsync()
    {
        _ran = Stopwatch.GetElapsedTime(_started);
        _stopping = true;
        await Task.WhenAll(_workers);
    }

    private SocketsHttpHandler Handler() => new()
    {
        UseProxy = false,
        MaxConnectionsPerServer = 1,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        ConnectCallback = async (context, cancellationToken) =>
        {
            Interlocked.Increment(ref _connects);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    private async Task RunAsync(HttpClient client, int next)
    {
        while (!_stopping)
        {
            var target = _targets[next++ % _targets.Count];
            string? failure;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_gateway, target.Path)) { Version = HttpVersion.Version11 };
                using var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                failure = response.StatusCode != HttpStatusCode.OK ? $"{target.Path}: {(int)response.StatusCode} {Clip(body)}"
                    : target.BodyMustContain.FirstOrDefault(f => !body.Contains(f, StringComparison.Ordinal)) is { } missing
                        ? $"{target.Path}: 200 without {missing}: {Clip(body)}"
                        : null;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                failure = $"{target.Path}: {ex.GetType().Name} {ex.Message}";
            }

            if (failure is null)
            {
                Interlocked.Increment(ref _served);
                continue;
            }

            Interlocked.Increment(ref _failed);
            lock (_failures)
            {
                if (_failures.Count < 10) { _failures.Add(failure); }
            }
        }
    }

    private static string Clip(string body) => body.Length <= 300 ? body : body[..300] + "...";

    public async ValueTask DisposeAsync()
    {
        if (!_stopping) { await StopAsync(); }
        foreach (var client in _clients) { client.Dispose(); }
    }
}
