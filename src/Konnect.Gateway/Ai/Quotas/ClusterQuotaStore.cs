using Konnect.Gateway.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Konnect.Gateway.Ai.Quotas;

/// <summary>
/// The Redis side of cluster-scoped quotas, shared by every ledger. The only class of the quotas that names
/// StackExchange.Redis types, so a gateway without cluster quotas never loads that library. Every command is bounded
/// by the command timeout (<see cref="RedisConnection.BoundedAsync"/>); when Redis cannot answer, the caller admits
/// (fails open) and <see cref="LastProblem"/> says why.
/// </summary>
internal sealed partial class ClusterQuotaStore(RedisConnection? redis, ILogger logger)
{
    /// <summary>
    /// KEYS: the call's counters (one hash tag, so one slot). ARGV: per key its amount, limit and expiry in milliseconds.
    /// Checks every counter before taking from any, so a call takes from all or none; Redis runs the script alone,
    /// so concurrent calls cannot both see room that only one of them fits in. Returns [1, count after, ...] when
    /// admitted, else [0, then per full counter: its 0-based index, its count].
    /// Counts are integers (tokens, or micro-units of cost), exact in Lua's doubles up to 2^53.
    /// </summary>
    internal const string ReserveScript = """
        local refused = { 0 }
        for i = 1, #KEYS do
          local used = tonumber(redis.call('GET', KEYS[i])) or 0
          if used + tonumber(ARGV[3 * i - 2]) > tonumber(ARGV[3 * i - 1]) then
            refused[#refused + 1] = i - 1
            refused[#refused + 1] = used
          end
        end
        if #refused > 1 then return refused end
        local result = { 1 }
        for i = 1, #KEYS do
          result[#result + 1] = redis.call('INCRBY', KEYS[i], ARGV[3 * i - 2])
          redis.call('PEXPIRE', KEYS[i], ARGV[3 * i])
        end
        return result
        """;

    /// <summary>
    /// KEYS: counters a reservation took from; ARGV: the difference per key. A counter that has expired (its window
    /// long over) is left alone: INCRBY would create it again without an expiry.
    /// </summary>
    internal const string AdjustScript = """
        for i = 1, #KEYS do
          if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('INCRBY', KEYS[i], ARGV[i]) end
        end
        return 0
        """;

    private const string NoRedis = "no Redis is configured (konnect run --redis host:port, or KONNECT_REDIS): cluster quotas are not counted";

    private volatile string? _problem;

    /// <summary>Why the last command failed, or null when it succeeded.</summary>
    public string? LastProblem => _problem;

    /// <summary>
    /// Runs <see cref="ReserveScript"/>; null when Redis could not answer (see <see cref="LastProblem"/>).
    /// </summary>
    /// <param name="args">Per key: amount, limit, expiry in milliseconds.</param>
    public async ValueTask<long[]?> ReserveAsync(string[] keys, long[] args)
    {
        var values = new RedisValue[args.Length];
        for (var i = 0; i < args.Length; i++) { values[i] = args[i]; }
        var result = await EvaluateAsync(ReserveScript, keys, values).ConfigureAwait(false);
        if (result is null) { return null; }
        var items = (long[]?)result;
        if (items is null || items.Length == 0 || items[0] == 1 && items.Length != 1 + keys.Length || items[0] == 0 && items.Length % 2 == 0)
        {
            Failed($"Redis {redis!.Endpoint} answered the quota script with {items?.Length ?? 0} numbers for {keys.Length} counters");
            return null;
        }
        return items;
    }

    /// <summary>Adds <paramref name="deltas"/> to counters that still exist; a failure is recorded, not thrown.</summary>
    public async ValueTask AdjustAsync(string[] keys, long[] deltas)
    {
        var values = new RedisValue[deltas.Length];
        for (var i = 0; i < deltas.Length; i++) { values[i] = deltas[i]; }
        await EvaluateAsync(AdjustScript, keys, values).ConfigureAwait(false);
    }

    private async ValueTask<RedisResult?> EvaluateAsync(string script, string[] keys, RedisValue[] values)
    {
        if (redis is null)
        {
            Failed(NoRedis);
            return null;
        }
        if (await redis.DatabaseAsync().ConfigureAwait(false) is not { } database)
        {
            Failed(redis.Problem);
            return null;
        }
        var redisKeys = new RedisKey[keys.Length];
        for (var i = 0; i < keys.Length; i++) { redisKeys[i] = keys[i]; }
        try
        {
            var result = await redis.BoundedAsync(database.ScriptEvaluateAsync(script, redisKeys, values)).ConfigureAwait(false);
            Succeeded();
            return result;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or RedisCommandException or ObjectDisposedException)
        {
            Failed(redis.Describe(e));
            return null;
        }
    }

    // Only transitions are logged: a Redis that is down would otherwise log once per call.
    private void Failed(string problem)
    {
        if (Interlocked.Exchange(ref _problem, problem) != problem) { LogUncounted(logger, problem); }
    }

    private void Succeeded()
    {
        if (_problem is not null && Interlocked.Exchange(ref _problem, null) is not null) { LogCounted(logger); }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI quotas of scope cluster are not being counted (calls are admitted): {Problem}")]
    private static partial void LogUncounted(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "AI quotas of scope cluster are counted in Redis again")]
    private static partial void LogCounted(ILogger logger);
}
