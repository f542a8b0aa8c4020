using System.Globalization;
using Konnect.Controller.Model;
using Konnect.Gateway.Redis;

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
    /// </summary>
    internal static readonly RedisScript Script = new("""
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
        """);

    private readonly IRedisClient? _redis;
    private readonly RedisHealth _health;
    private readonly string _prefix;
    private readonly string[] _args;
    private readonly long[] _burst;

    /// <param name="redis">Null when konnect runs without --redis: every decision is then unavailable.</param>
    /// <param name="identity">The rule and its block (<see cref="RateLimiterRegistry.Identity"/>): pods with the same configuration share keys.</param>
    public ClusterRateLimiter(RateLimitModel model, string identity, IRedisClient? redis, RedisHealth health)
    {
        _redis = redis;
        _health = health;
        // The hash tag keeps every key of one decision in one slot, should the Redis ever be a cluster.
        _prefix = "konnect:rl:{" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(identity)))[..16] + ":";
        _burst = model.Limits.Select(l => l.Burst).ToArray();
        _args = model.Limits.SelectMany(l => new[]
        {
            Math.Max(1, (long)(l.Period.TotalMicroseconds / l.Requests)).ToString(CultureInfo.InvariantCulture),
            l.Burst.ToString(CultureInfo.InvariantCulture),
        }).ToArray();
    }

    public async ValueTask<RateLimitDecision> AcquireAsync(string key)
    {
        if (_redis is null)
        {
            const string problem = "no Redis is configured (konnect run --redis host:port, or KONNECT_REDIS)";
            _health.Failed(problem);
            return RateLimitDecision.Unavailable(problem);
        }

        var keys = new string[_burst.Length];
        for (var i = 0; i < keys.Length; i++) { keys[i] = _prefix + key + "}:" + i.ToString(CultureInfo.InvariantCulture); }
        RespValue reply;
        try
        {
            reply = await _redis.EvalAsync(Script, keys, _args).ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            _health.Failed(e.Message);
            return RateLimitDecision.Unavailable(e.Message);
        }
        _health.Succeeded();

        var items = reply.Items;
        if (reply.Kind != RespKind.Array || items.Count != 2 + 2 * keys.Length)
        {
            return RateLimitDecision.Unavailable($"Redis {_redis.Endpoint} answered the rate-limit script with {reply}");
        }
        Span<long> remaining = stackalloc long[keys.Length];
        Span<long> untilFull = stackalloc long[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            remaining[i] = items[2 + 2 * i].Integer;
            untilFull[i] = items[3 + 2 * i].Integer;
        }
        return RateLimitDecision.From(items[0].Integer == 1, items[1].Integer, remaining, untilFull, _burst, 1_000_000);
    }
}
