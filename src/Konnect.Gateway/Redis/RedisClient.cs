using System.Globalization;

namespace Konnect.Gateway.Redis;

/// <summary>
/// A small pool of pipelined connections, used round-robin. A broken connection is replaced on its next use; after a
/// failed connect every call fails at once for <see cref="RedisOptions.ReconnectDelay"/>, so a Redis outage costs
/// requests nothing but that check instead of a connect timeout each.
/// </summary>
public sealed class RedisClient : IRedisClient, IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly TimeProvider _time;
    private readonly Slot[] _slots;
    private int _next;
    private long _downUntil;
    private volatile string? _lastError;
    private volatile bool _disposed;

    public RedisClient(RedisOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ParseEndpoint();
        _options = options;
        _time = time ?? TimeProvider.System;
        _slots = new Slot[Math.Max(1, options.PoolSize)];
        for (var i = 0; i < _slots.Length; i++) { _slots[i] = new Slot(); }
    }

    public string Endpoint => _options.Endpoint;

    public async Task<RespValue> ExecuteAsync(params string[] command)
    {
        var connection = await ConnectionAsync().ConfigureAwait(false);
        var reply = await connection.SendAsync(command).ConfigureAwait(false);
        return reply.Kind == RespKind.Error ? throw new RedisErrorException(reply.Text ?? "ERR") : reply;
    }

    public async Task<RespValue> EvalAsync(RedisScript script, IReadOnlyList<string> keys, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(script);
        try
        {
            return await ExecuteAsync(Command("EVALSHA", script.Sha1, keys, args)).ConfigureAwait(false);
        }
        catch (RedisErrorException e) when (e.Code == "NOSCRIPT")
        {
            // First use on this server (or after SCRIPT FLUSH / a restart): EVAL also caches it for the next EVALSHA.
            return await ExecuteAsync(Command("EVAL", script.Text, keys, args)).ConfigureAwait(false);
        }
    }

    private static string[] Command(string verb, string script, IReadOnlyList<string> keys, IReadOnlyList<string> args)
    {
        var command = new string[3 + keys.Count + args.Count];
        command[0] = verb;
        command[1] = script;
        command[2] = keys.Count.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < keys.Count; i++) { command[3 + i] = keys[i]; }
        for (var i = 0; i < args.Count; i++) { command[3 + keys.Count + i] = args[i]; }
        return command;
    }

    private async ValueTask<RedisConnection> ConnectionAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var slot = _slots[(int)((uint)Interlocked.Increment(ref _next) % (uint)_slots.Length)];
        if (slot.Connection is { IsBroken: false } ready) { return ready; }
        if (_time.GetTimestamp() < Interlocked.Read(ref _downUntil))
        {
            throw new RedisException(_lastError ?? $"Redis {_options}: unreachable");
        }

        await slot.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            // Another caller may have reconnected this slot while we waited.
            if (slot.Connection is { IsBroken: false } fresh) { return fresh; }
            if (slot.Connection is { } broken) { await broken.DisposeAsync().ConfigureAwait(false); slot.Connection = null; }
            try
            {
                slot.Connection = await RedisConnection.OpenAsync(_options, CancellationToken.None).ConfigureAwait(false);
                return slot.Connection;
            }
            catch (RedisException e)
            {
                _lastError = e.Message;
                var delay = (long)(_options.ReconnectDelay.TotalSeconds * _time.TimestampFrequency);
                Interlocked.Exchange(ref _downUntil, _time.GetTimestamp() + delay);
                throw;
            }
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        foreach (var slot in _slots)
        {
            if (slot.Connection is { } connection) { await connection.DisposeAsync().ConfigureAwait(false); }
        }
    }

    private sealed class Slot
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public volatile RedisConnection? Connection;
    }
}
