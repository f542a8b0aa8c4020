using System.Net.Sockets;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Konnect.Gateway.Redis;

/// <summary>
/// The gateway's one StackExchange.Redis multiplexer, set up so that a Redis that is down, restarting, refusing TLS or
/// refusing the credentials costs a request at most the command timeout, and the reason is known in words a platform
/// engineer can act on (never with a secret: the library's configuration string holds the password, so it is never
/// printed, and its exception texts are reduced to a cause of our own wording).
/// <list type="bullet">
/// <item>Commands fail at once while no connection is up (<see cref="BacklogPolicy.FailFast"/>): the default backlog
/// would hold each request for the whole timeout before failurePolicy could apply.</item>
/// <item>The library reconnects by itself (exponential back-off, 0.5 s to 5 s); Konnect only retries the very first
/// connect, which throws instead of retrying when Sentinel cannot name a primary.</item>
/// <item>The library checks timeouts on its heartbeat, so the heartbeat is a fifth of the command timeout and the
/// library's timeout is the command timeout less one heartbeat: a late reply is noticed within the command timeout.</item>
/// </list>
/// </summary>
public sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ConfigurationOptions _configuration;
    private readonly RedisTrust? _trust;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _connecting;
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _started = TimeProvider.System.GetTimestamp();
    private volatile ConnectionMultiplexer? _multiplexer;
    private volatile IDatabase? _database;
    private volatile string? _lastFailure;

    /// <exception cref="FormatException">A setting is malformed (see <see cref="RedisOptions.Resolve"/>).</exception>
    public RedisConnection(RedisOptions options, ILogger<RedisConnection> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var address = options.Resolve();
        _options = options;
        _logger = logger;
        Endpoint = options.ToString();
        var tls = options.UsesTls(address);
        if (tls) { _trust = new RedisTrust(options.TlsCaFile, options.TlsServerName); }
        _configuration = Configure(options, address, tls, _trust);
        _connecting = Task.Run(ConnectAsync);
    }

    /// <summary>Where Redis is, for messages ("host:port", several, or with the Sentinel service); never credentials.</summary>
    public string Endpoint { get; }

    /// <summary>
    /// The database commands go to, or null before the first connect attempt has made a multiplexer (then see
    /// <see cref="Problem"/>). Right after start, waits for that attempt (within the command timeout) rather than
    /// letting the first requests through uncounted.
    /// </summary>
    public ValueTask<IDatabase?> DatabaseAsync() => _database is { } database ? ValueTask.FromResult<IDatabase?>(database) : new(FirstAttemptAsync());

    private async Task<IDatabase?> FirstAttemptAsync()
    {
        // One command timeout from start in all, not one per request: a first attempt that hangs (a TLS port that
        // never completes the handshake) must not hold every request of the first seconds.
        var left = _options.CommandTimeout - TimeProvider.System.GetElapsedTime(_started);
        if (left > TimeSpan.Zero)
        {
            try { await _firstAttempt.Task.WaitAsync(left).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
        return _database;
    }

    /// <summary>Why there is no database yet: "Redis endpoint: cause".</summary>
    public string Problem => $"Redis {Endpoint}: {_lastFailure ?? "connecting (the first attempt has not finished)"}";

    /// <summary>
    /// Why a command failed, as "Redis endpoint: cause": unreachable, TLS handshake failed, authentication failed, no
    /// reply in time, or Redis's own error text. Never a key, a password or the library's configuration string.
    /// </summary>
    public string Describe(Exception exception) => $"Redis {Endpoint}: {Cause(exception) ?? _lastFailure ?? "not connected"}";

    /// <summary>
    /// <paramref name="command"/>, bounded by the command timeout. StackExchange.Redis times commands out on its
    /// heartbeat, which a busy thread pool delays: a frozen Redis held requests for twice the timeout on a loaded
    /// 2-core machine. A request must never wait longer than the configured timeout, so the bound is also kept here;
    /// the command left behind is observed, and fails on the library's own timeout. Throws TimeoutException.
    /// </summary>
    public async Task<T> BoundedAsync<T>(Task<T> command)
    {
        try
        {
            return await command.WaitAsync(_options.CommandTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = command.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>
    /// One PING: null when Redis answered, else why not ("Redis endpoint: cause"). Here rather than in the health probe,
    /// so that a gateway without Redis never loads StackExchange.Redis (1.7 MiB of RSS, measured): only this class and
    /// the cluster limiter name its types.
    /// </summary>
    public async Task<string?> PingAsync()
    {
        if (await DatabaseAsync().ConfigureAwait(false) is not { } database) { return Problem; }
        try
        {
            await BoundedAsync(database.PingAsync()).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            return Describe(e);
        }
    }

    private static ConfigurationOptions Configure(RedisOptions options, RedisAddress address, bool tls, RedisTrust? trust)
    {
        var heartbeat = TimeSpan.FromMilliseconds(Math.Clamp(options.CommandTimeout.TotalMilliseconds / 5, 20, 1000));
        var configuration = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            // One attempt before ConnectAsync returns; the library's own reconnect loop takes over from there.
            ConnectRetry = 1,
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new ExponentialRetry(500, 5000),
            ConnectTimeout = Milliseconds(options.ConnectTimeout),
            HeartbeatInterval = heartbeat,
            AsyncTimeout = Math.Max(1, Milliseconds(options.CommandTimeout - heartbeat)),
            SyncTimeout = Math.Max(1, Milliseconds(options.CommandTimeout - heartbeat)),
            // Exception texts must not carry keys: a key may hold a consumer id or a client address.
            IncludeDetailInExceptions = false,
            IncludePerformanceCountersInExceptions = false,
            ClientName = "konnect",
            User = options.Username ?? address.Username,
            Password = options.Password,
            DefaultDatabase = options.Database ?? address.Database ?? 0,
            Ssl = tls,
            SslHost = options.TlsServerName,
            ServiceName = options.SentinelService,
            SentinelUser = options.SentinelUsername,
            SentinelPassword = options.SentinelPassword,
        };
        foreach (var endpoint in address.Endpoints) { configuration.EndPoints.Add(endpoint); }
        if (trust is not null) { configuration.CertificateValidation += trust.Validate; }
        return configuration;
    }

    private static int Milliseconds(TimeSpan value) => (int)Math.Min(int.MaxValue, Math.Ceiling(value.TotalMilliseconds));

    private async Task ConnectAsync()
    {
        var stopping = _stopping.Token;
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // Without AbortOnConnectFail this returns once the first attempt ends, connected or not, and the
                // multiplexer keeps trying on its own; with Sentinel it throws while no Sentinel names a primary.
                var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration).ConfigureAwait(false);
                multiplexer.ConnectionFailed += OnConnectionFailed;
                multiplexer.ConnectionRestored += OnConnectionRestored;
                if (stopping.IsCancellationRequested)
                {
                    await multiplexer.DisposeAsync().ConfigureAwait(false);
                    return;
                }
                _multiplexer = multiplexer;
                _database = multiplexer.GetDatabase();
                _firstAttempt.TrySetResult();
                if (!multiplexer.IsConnected)
                {
                    // The first attempt's failure came before the events above were wired: a PING fails at once
                    // (FailFast) with the servers' last errors inside.
                    try { await _database.PingAsync().ConfigureAwait(false); }
                    catch (Exception e) when (e is RedisException or RedisTimeoutException)
                    {
                        var why = _lastFailure = Cause(e) ?? "not connected yet";
                        LogConnectFailed(_logger, Endpoint, why);
                    }
                }
                return;
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException or RedisCommandException or ArgumentException or InvalidOperationException)
            {
                var why = _lastFailure = Cause(e) ?? "cannot connect";
                LogConnectFailed(_logger, Endpoint, why);
                _firstAttempt.TrySetResult();
            }
            try { await Task.Delay(delay, stopping).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            delay = TimeSpan.FromMilliseconds(Math.Min(5000, delay.TotalMilliseconds * 2));
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        if (args.FailureType == ConnectionFailureType.ConnectionDisposed) { return; }
        _lastFailure = Cause(args.Exception) ?? Words(args.FailureType);
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs args) => _lastFailure = null;

    /// <summary>The most telling cause in an exception tree, in our words; null when it names none.</summary>
    private string? Cause(Exception? exception)
    {
        string? tls = null, credentials = null, timeout = null, network = null, server = null, failure = null;
        foreach (var e in Flatten(exception))
        {
            switch (e)
            {
                case AuthenticationException:
                    tls ??= "TLS handshake failed: " + (_trust?.LastProblem ?? e.Message);
                    break;
                case TimeoutException:
                    timeout ??= $"no reply within {_options.CommandTimeout.TotalMilliseconds:0} ms";
                    break;
                case SocketException socket:
                    // A TLS-only port resets a client that speaks plain RESP to it.
                    network ??= socket.SocketErrorCode == SocketError.ConnectionReset && _trust is null
                        ? $"unreachable ({socket.SocketErrorCode}: {socket.Message}; is the server expecting TLS? use rediss:// or --redis-tls on)"
                        : $"unreachable ({socket.SocketErrorCode}: {socket.Message})";
                    break;
                case RedisServerException when Mentions(e, "NOAUTH") || Mentions(e, "WRONGPASS") || Mentions(e, "NOPERM"):
                    credentials ??= Credentials(e);
                    break;
                case RedisServerException:
                    server ??= "Redis answered with an error: " + e.Message;
                    break;
                case RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } when _trust?.LastProblem is { } problem:
                    tls ??= "TLS handshake failed: " + problem;
                    break;
                case RedisConnectionException { FailureType: var type } when type != ConnectionFailureType.UnableToResolvePhysicalConnection:
                    failure ??= Words(type);
                    break;
                default:
                    if (Mentions(e, "WRONGPASS") || Mentions(e, "NOAUTH")) { credentials ??= Credentials(e); }
                    break;
            }
        }
        return tls ?? credentials ?? timeout ?? network ?? server ?? failure;
    }

    // After a refused AUTH every later command says NOAUTH too, so whether a password was given tells the two apart.
    private string Credentials(Exception e) =>
        Mentions(e, "NOPERM") ? "authentication failed (NOPERM: the ACL user may not run the rate-limit script on keys konnect:*)"
        : _options.Password is null ? "authentication failed (NOAUTH: Redis requires a password; set KONNECT_REDIS_PASSWORD)"
        : "authentication failed (WRONGPASS: Redis refused the user or password in KONNECT_REDIS_USERNAME / KONNECT_REDIS_PASSWORD)";

    private static string Words(ConnectionFailureType type) => type switch
    {
        ConnectionFailureType.AuthenticationFailure => "authentication failed (TLS or credentials refused)",
        ConnectionFailureType.SocketClosed => "unreachable (the connection was closed; is the server expecting TLS? use rediss:// or --redis-tls on)",
        ConnectionFailureType.Loading => "Redis is loading its data set",
        ConnectionFailureType.ProtocolFailure => "unexpected reply (is this a Redis server, and does it expect TLS?)",
        _ => $"unreachable ({type})",
    };

    private static bool Mentions(Exception e, string code) => e.Message.Contains(code, StringComparison.Ordinal);

    private static IEnumerable<Exception> Flatten(Exception? exception)
    {
        var pending = new Stack<Exception>();
        if (exception is not null) { pending.Push(exception); }
        while (pending.TryPop(out var e))
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions) { pending.Push(inner); }
            }
            else if (e.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _firstAttempt.TrySetResult();
        try { await _connecting.ConfigureAwait(false); } catch (OperationCanceledException) { }
        if (_multiplexer is { } multiplexer) { await multiplexer.DisposeAsync().ConfigureAwait(false); }
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis {Endpoint}: {Problem}; the library keeps trying to connect")]
    private static partial void LogConnectFailed(ILogger logger, string endpoint, string problem);
}
