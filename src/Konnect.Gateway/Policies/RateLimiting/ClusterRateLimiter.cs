using System.Globalization;
using Konnect.Model;
using Konnect.Gateway.Redis;
using StackExchange.Redis;

namespace Konnect.Gateway.Policies.RateLimiting;

/// <summary>
/// The same token buckets as <see cref="LocalRateLimiter"/>, kept in Redis so every gateway pod shares them. One Lua
/// script per request decides every limit of the rule atomically, with Redis's clock (pods' clocks may differ), and
/// stores each bucket's arrival time with an expiry at the moment it is full again, so idle keys cost Redis nothing.
/// </summary>
internal sealed class ClusterRateLimiter : IRateLimiter
{
    /// <summary>
    /// KEYS: one per limit. ARGV: interval (microseconds) and burst per limit. Returns
    /// [allowed, retry-after µs, then per limit: remaining, µs until full]. Integer microseconds keep the arithmetic exact in Lua's doubles.
    /// StackExchange.Redis sends it by SHA-1 once each server has it (SCRIPT LOAD on first use, EVAL again after NOSCRIPT).
    /// </summary>
    internal const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local tats = {}
        local allowed = 1
        local retry = 0
        for i = 1, #KEYS do
          local interval = tonumber(ARGV[2 * i - 1])
          local burst = tonumber(ARGV[2 * i])
          local tat = tonumber(redis.call('GET', KEYS[i])) or now
          if tat < now then tat = now end
          tats[i] = tat
          local allow_at = tat + interval - burst * interval
          if allow_at > now then
            allowed = 0
            if allow_at - now > retry then retry = allow_at - now end
          end
        end
        local result = { allowed, retry }
        for i = 1, #KEYS do
          local interval = tonumber(ARGV[2 * i - 1])
          local burst = tonumber(ARGV[2 * i])
          local tat = tats[i]
          if allowed == 1 then
            tat = tat + interval
            redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', string.format('%.0f', math.ceil((tat - now) / 1000) + 1))
          end
          result[#result + 1] = math.floor((now - (tat - burst * interval)) / interval)
          result[#result + 1] = tat - now
        end
        return result
        """;

    private readonly RedisConnection? _redis;
    private readonly RedisHealth _health;
    private readonly string _prefix;
    private readonly RedisValue[] _args;
    private readonly long[] _burst;

    /// <param name="redis">Null when konnect runs without --redis: every decision is then unavailable.</param>
    /// <param name="identity">The rule and its block (<see cref="RateLimiterRegistry.Identity"/>): pods with the same configuration share keys.</param>
    public ClusterRateLimiter(RateLimitModel model, string identity, RedisConnection? redis, RedisHealth health)
    {
        _redis = redis;
        _health = health;
        // The hash tag ({rule:key}) puts every key of one decision in one slot, as a Redis Cluster requires of one script call.
        _prefix = "konnect:rl:{" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)))[..16] + ":";
        _burst = model.Limits.Select(l => l.Burst).ToArray();
        _args = model.Limits.SelectMany(l => new RedisValue[] { Math.Max(1, (long)(l.Period.TotalMicroseconds / l.Requests)), l.Burst }).ToArray();
    }

    public async ValueTask<RateLimitDecision> AcquireAsync(string key)
    {
        if (_redis is null)
        {
            const string none = "no Redis is configured (konnect run --redis host:port, or KONNECT_REDIS)";
            _health.Failed(none);
            return RateLimitDecision.Unavailable(none);
        }

        if (await _redis.DatabaseAsync().ConfigureAwait(false) is not { } database)
        {
            var problem = _redis.Problem;
            _health.Failed(problem);
            return RateLimitDecision.Unavailable(problem);
        }
        var keys = new RedisKey[_burst.Length];
        for (var i = 0; i < keys.Length; i++) { keys[i] = _prefix + key + "}:" + i.ToString(CultureInfo.InvariantCulture); }
        long[]? items;
        try
        {
            items = (long[]?)await _redis.BoundedAsync(database.ScriptEvaluateAsync(Script, keys, _args)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or RedisCommandException or ObjectDisposedException)
        {
            var why = _redis.Describe(e);
            _health.Failed(why);
            return RateLimitDecision.Unavailable(why);
        }
        _health.Succeeded();

        if (items is null || items.Length != 2 + 2 * keys.Length)
        {
            return RateLimitDecision.Unavailable($"Redis {_redis.Endpoint} answered the rate-limit script with {items?.Length ?? 0} numbers instead of {2 + 2 * keys.Length}");
        }
        Span<long> remaining = stackalloc long[keys.Length];
        Span<long> untilFull = stackalloc long[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            remaining[i] = items[2 + 2 * i];
            untilFull[i] = items[3 + 2 * i];
        }
        return RateLimitDecision.From(items[0] == 1, items[1], remaining, untilFull, _burst, 1_000_000);
    }
}
