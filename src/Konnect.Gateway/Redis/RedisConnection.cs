using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Konnect.Gateway.Redis;

/// <summary>
/// One TCP connection to Redis with pipelining: callers write whole commands under a write lock and queue a
/// completion in the same order, and one read loop hands replies out first-in first-out, as RESP guarantees.
/// Any I/O failure or timeout breaks the connection and fails everything queued on it; the pool then opens another.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _reader;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentQueue<TaskCompletionSource<RespValue>> _pending = new();
    private readonly TimeSpan _commandTimeout;
    private readonly string _endpoint;
    private readonly Task _readLoop;
    private volatile string? _broken;

    private RedisConnection(Socket socket, TimeSpan commandTimeout, string endpoint)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _commandTimeout = commandTimeout;
        _endpoint = endpoint;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    public bool IsBroken => _broken is not null;

    /// <summary>Connects, then AUTH and SELECT as configured.</summary>
    /// <exception cref="RedisException">Unreachable, timed out, or the login was refused (the message never holds the password).</exception>
    public static async Task<RedisConnection> OpenAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        var (host, port) = options.ParseEndpoint();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                socket.Dispose();
                throw new RedisException(e is OperationCanceledException
                    ? $"Redis {options}: connect timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms"
                    : $"Redis {options}: {e.Message}", e);
            }
        }

        var connection = new RedisConnection(socket, options.CommandTimeout, options.Endpoint);
        try
        {
            if (options.Password is { } password)
            {
                string[] auth = options.Username is { } user ? ["AUTH", user, password] : ["AUTH", password];
                await connection.ExpectOkAsync(auth, "AUTH").ConfigureAwait(false);
            }
            if (options.Database != 0)
            {
                await connection.ExpectOkAsync(["SELECT", options.Database.ToString(System.Globalization.CultureInfo.InvariantCulture)], "SELECT").ConfigureAwait(false);
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return connection;
    }

    private async Task ExpectOkAsync(string[] command, string name)
    {
        var reply = await SendAsync(command).ConfigureAwait(false);
        if (reply.Kind == RespKind.Error)
        {
            // Redis's own words (WRONGPASS, NOAUTH, ERR DB index out of range) name no credential.
            throw new RedisErrorException($"{reply.Text} (Redis {_endpoint}, {name})");
        }
    }

    /// <summary>Sends one command and waits for its reply; an error reply is returned, not thrown.</summary>
    /// <exception cref="RedisException">The connection broke or the reply did not come within the command timeout.</exception>
    public async Task<RespValue> SendAsync(IReadOnlyList<string> command)
    {
        var bytes = new ArrayBufferWriter<byte>(64);
        RespProtocol.WriteCommand(bytes, command);
        var reply = new TaskCompletionSource<RespValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_broken is { } why) { throw new RedisException(why); }
            // Queued before the bytes leave, so the read loop can never see a reply with nobody waiting for it.
            _pending.Enqueue(reply);
            // A break that raced the check above has already failed the queue; fail this call with it.
            if (_broken is not null) { FailPending(); }
            await _stream.WriteAsync(bytes.WrittenMemory).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            Break($"Redis {_endpoint}: write failed: {e.Message}");
        }
        finally
        {
            _writeGate.Release();
        }

        try
        {
            return await reply.Task.WaitAsync(_commandTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The reply may still come, but a Redis this slow is treated as gone: later replies would queue behind it.
            var message = $"Redis {_endpoint}: no reply within {_commandTimeout.TotalMilliseconds:0} ms";
            Break(message);
            throw new RedisException(message);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                var result = await _reader.ReadAsync().ConfigureAwait(false);
                var consumed = Deliver(result.Buffer);
                _reader.AdvanceTo(consumed, result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    Break($"Redis {_endpoint} closed the connection");
                    return;
                }
            }
        }
        catch (Exception e)
        {
            Break(e is RedisException ? e.Message : $"Redis {_endpoint}: read failed: {e.Message}");
        }
    }

    /// <summary>Completes a waiting call for every whole reply in <paramref name="buffer"/>; returns where the unread part starts.</summary>
    private SequencePosition Deliver(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        while (true)
        {
            var start = reader.Position;
            if (!RespProtocol.TryRead(ref reader, out var value)) { return start; }
            if (!_pending.TryDequeue(out var waiting)) { throw new RedisException($"Redis {_endpoint} sent a reply nobody asked for"); }
            waiting.TrySetResult(value);
        }
    }

    private void Break(string why)
    {
        if (Interlocked.CompareExchange(ref _broken, why, null) is not null) { return; }
        try { _socket.Shutdown(SocketShutdown.Both); } catch (SocketException) { } catch (ObjectDisposedException) { }
        _socket.Dispose();
        FailPending();
    }

    private void FailPending()
    {
        var why = _broken ?? "connection closed";
        while (_pending.TryDequeue(out var waiting)) { waiting.TrySetException(new RedisException(why)); }
    }

    public async ValueTask DisposeAsync()
    {
        Break($"Redis {_endpoint}: connection closed by Konnect");
        try { await _readLoop.ConfigureAwait(false); } catch (Exception) { /* already reported through Break */ }
        await _reader.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _writeGate.Dispose();
    }
}
