using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Ai.Quotas;

/// <summary>
/// One rule's quota counters. A call reserves its counted prompt tokens plus the output cap (or their cost) in every
/// quota that applies, and is admitted only when the reservation fits in all of them; the reservation is then
/// settled to the provider's figures or released. Because room is taken before the call runs, concurrent calls
/// cannot together overshoot a quota; only a settlement above the reservation (the provider counted more than the
/// estimate) can, and that is charged so the next calls see it.
/// <para>
/// Local counters live here under one lock per ledger: a reservation checks and takes every counter in one critical
/// section of a few dictionary lookups, cheaper than finer locks that would need ordering (a reservation and its
/// settlement take well under a microsecond together: QuotaLedgerCostTests prints the figure).
/// Cluster counters live in Redis (<see cref="ClusterQuotaStore"/>). With both kinds, the local ones are taken first
/// and given back if Redis refuses: another call may meanwhile be refused for room that was about to come back,
/// which errs on the side of the promise.
/// </para>
/// </summary>
internal sealed class QuotaLedger
{
    public const int DefaultMaxKeys = 100_000;

    /// <summary>How long a Redis counter outlives its window: a call admitted at a window's end settles into it.</summary>
    internal static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan SweepEvery = TimeSpan.FromMinutes(1);

    private readonly AiQuotaModel[] _quotas;
    private readonly long[] _limits;
    private readonly Dictionary<string, AiPriceModel> _prices;
    private readonly TimeProvider _time;
    private readonly ClusterQuotaStore _store;
    private readonly string _redisPrefix;
    private readonly bool _anyLocal;
    private readonly bool _anyCluster;
    private readonly Lock _gate = new();
    private readonly Dictionary<CounterKey, QuotaCounter> _counters = [];
    private DateTimeOffset _nextSweep;
    private volatile Lists _seen;

    public QuotaLedger(string ruleId, AiModel ai, TimeProvider time, ClusterQuotaStore store, int maxKeys = DefaultMaxKeys)
    {
        ArgumentNullException.ThrowIfNull(ai);
        Quotas = ai.Quotas;
        Prices = ai.Prices;
        _seen = new Lists(ai.Quotas, ai.Prices);
        _quotas = [.. ai.Quotas];
        _limits = new long[_quotas.Length];
        for (var i = 0; i < _quotas.Length; i++)
        {
            var quota = _quotas[i];
            _limits[i] = quota.Cost is { } cost ? Micro(cost) : quota.Tokens ?? 0;
            if (quota.Scope == RateLimitScope.Cluster) { _anyCluster = true; } else { _anyLocal = true; }
        }
        _prices = new Dictionary<string, AiPriceModel>(StringComparer.Ordinal);
        foreach (var price in ai.Prices) { _prices.TryAdd(price.Model, price); }
        _time = time;
        _store = store;
        MaxKeys = maxKeys;
        Identity = ruleId + "\n" + Fingerprint(ai.Quotas, ai.Prices);
        // One hash tag per rule and block: every counter of a call is in one slot, as a Redis Cluster requires of one
        // script, and a changed block starts from fresh keys while the old ones expire.
        _redisPrefix = "konnect:aq:{" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Identity)))[..16] + "}:";
    }

    public IReadOnlyList<AiQuotaModel> Quotas { get; }

    public IReadOnlyList<AiPriceModel> Prices { get; }

    /// <summary>
    /// Whether <paramref name="ai"/> has this ledger's quotas and prices. Usually decided by reference (the model did
    /// not change); after a reload that kept the block, the new lists are compared once and then remembered.
    /// </summary>
    internal bool Matches(AiModel ai)
    {
        var seen = _seen;
        if (ReferenceEquals(seen.Quotas, ai.Quotas) && ReferenceEquals(seen.Prices, ai.Prices)) { return true; }
        if (!Quotas.SequenceEqual(ai.Quotas) || !Prices.SequenceEqual(ai.Prices)) { return false; }
        _seen = new Lists(ai.Quotas, ai.Prices);
        return true;
    }

    /// <summary>Past this many local counters, new keys share one counter per quota (a client inventing addresses must not grow memory).</summary>
    public int MaxKeys { get; }

    /// <summary>The rule and its quotas and prices: what must stay the same for the counters to be kept.</summary>
    internal string Identity { get; }

    /// <summary>Local counters held now (tests check that old windows are dropped).</summary>
    internal int LocalCounterCount { get { lock (_gate) { return _counters.Count; } } }

    /// <summary>Why cluster counts are not being kept, or null while Redis answers.</summary>
    public string? LastRedisProblem => _store.LastProblem;

    public ValueTask<QuotaAdmission> ReserveAsync(QuotaSubject subject, long inputTokens, long maxOutputTokens, string providerModel)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var input = Math.Max(0, inputTokens);
        var output = Math.Max(0, maxOutputTokens);
        if (_quotas.Length == 0) { return new(new QuotaAdmission.Admitted(new QuotaReservation(this, [], -1, -1, null))); }
        var now = _time.GetUtcNow();
        var charges = Plan(subject, now, Amounts(input, output, providerModel));
        if (_anyLocal && TakeLocal(charges, now) is { } refused) { return new(refused); }
        return _anyCluster ? ReserveClusterAsync(charges, now) : new(Admit(charges, null));
    }

    /// <summary>What a call of these figures costs in each quota: tokens, or micro-units of spend at the model's price.</summary>
    private long[] Amounts(long input, long output, string providerModel)
    {
        var amounts = new long[_quotas.Length];
        var tokens = input > MaxCount - output ? MaxCount : input + output;
        AiPriceModel? price = null;
        var priced = false;
        for (var i = 0; i < _quotas.Length; i++)
        {
            if (_quotas[i].Cost is null) { amounts[i] = tokens; continue; }
            if (!priced) { price = _prices.GetValueOrDefault(providerModel); priced = true; }
            // Prices are per million tokens, so tokens × price is the cost in millionths; rounded up so that many
            // small calls are never free.
            amounts[i] = price is null ? 0 : Saturate(decimal.Ceiling(input * price.Input + output * price.Output));
        }
        return amounts;
    }

    /// <summary>One charge per counter: per quota one, or one per group of a consumerGroup quota.</summary>
    private QuotaCharge[] Plan(QuotaSubject subject, DateTimeOffset now, long[] amounts)
    {
        var groups = subject.Groups;
        var count = 0;
        for (var i = 0; i < _quotas.Length; i++) { count += _quotas[i].Key == AiQuotaKey.ConsumerGroup && groups.Count > 0 ? groups.Count : 1; }
        var charges = new QuotaCharge[count];
        var n = 0;
        for (var i = 0; i < _quotas.Length; i++)
        {
            var quota = _quotas[i];
            var window = QuotaWindow.Of(quota.Period, now);
            switch (quota.Key)
            {
                case AiQuotaKey.ConsumerGroup when groups.Count > 0:
                    for (var g = 0; g < groups.Count; g++)
                    {
                        if (!Seen(groups, g)) { charges[n++] = new QuotaCharge(i, 'g', groups[g], window, amounts[i]); }
                    }
                    break;
                case AiQuotaKey.Route:
                    charges[n++] = new QuotaCharge(i, 'r', "", window, amounts[i]);
                    break;
                case AiQuotaKey.Model:
                    charges[n++] = new QuotaCharge(i, 'm', subject.Model, window, amounts[i]);
                    break;
                default:
                    charges[n++] = new QuotaCharge(i, 'c', subject.Consumer, window, amounts[i]);
                    break;
            }
        }
        return n == count ? charges : charges[..n];

        // A group listed twice is one counter: taking from it twice would refuse calls that fit.
        static bool Seen(IReadOnlyList<string> groups, int g)
        {
            for (var k = 0; k < g; k++)
            {
                if (string.Equals(groups[k], groups[g], StringComparison.Ordinal)) { return true; }
            }
            return false;
        }
    }

    /// <summary>Takes every local charge, or none and says which quota is full.</summary>
    private QuotaAdmission.Refused? TakeLocal(QuotaCharge[] charges, DateTimeOffset now)
    {
        lock (_gate)
        {
            SweepIfDue(now);
            var refused = -1;
            long refusedUsed = 0;
            for (var c = 0; c < charges.Length; c++)
            {
                ref var charge = ref charges[c];
                if (_quotas[charge.Quota].Scope == RateLimitScope.Cluster) { continue; }
                var counter = CounterFor(charge, now);
                charge.Counter = counter;
                if (counter.Used + charge.Amount > _limits[charge.Quota] && (refused < 0 || charge.Window.End > charges[refused].Window.End))
                {
                    refused = c;
                    refusedUsed = counter.Used;
                }
            }
            if (refused >= 0) { return Refuse(charges[refused], refusedUsed, now); }
            for (var c = 0; c < charges.Length; c++)
            {
                if (charges[c].Counter is { } counter) { charges[c].After = counter.Used += charges[c].Amount; }
            }
            return null;
        }
    }

    private QuotaCounter CounterFor(in QuotaCharge charge, DateTimeOffset now)
    {
        var key = new CounterKey(charge.Quota, charge.Kind, charge.Value);
        if (!_counters.TryGetValue(key, out var counter))
        {
            if (_counters.Count >= MaxKeys)
            {
                Sweep(now);
                if (_counters.Count >= MaxKeys) { key = new CounterKey(charge.Quota, 'o', ""); }
            }
            if (!_counters.TryGetValue(key, out counter))
            {
                counter = new QuotaCounter();
                _counters.Add(key, counter);
            }
        }
        // A counter from an earlier window starts over: the window start is part of what it counts.
        if (counter.Start != charge.Window.Start)
        {
            counter.Start = charge.Window.Start;
            counter.End = charge.Window.End;
            counter.Used = 0;
        }
        return counter;
    }

    private void SweepIfDue(DateTimeOffset now)
    {
        if (now >= _nextSweep) { Sweep(now); }
    }

    // Counters of windows that have ended carry nothing: the next call of their key starts over anyway.
    private void Sweep(DateTimeOffset now)
    {
        _nextSweep = now + SweepEvery;
        var utc = now.UtcDateTime;
        foreach (var (key, counter) in _counters)
        {
            if (counter.End <= utc) { _counters.Remove(key); }
        }
    }

    private async ValueTask<QuotaAdmission> ReserveClusterAsync(QuotaCharge[] charges, DateTimeOffset now)
    {
        var cluster = 0;
        for (var c = 0; c < charges.Length; c++)
        {
            if (_quotas[charges[c].Quota].Scope == RateLimitScope.Cluster) { cluster++; }
        }
        var keys = new string[cluster];
        var args = new long[3 * cluster];
        var map = new int[cluster];
        for (int c = 0, k = 0; c < charges.Length; c++)
        {
            ref var charge = ref charges[c];
            if (_quotas[charge.Quota].Scope != RateLimitScope.Cluster) { continue; }
            charge.RedisKey = keys[k] = _redisPrefix + charge.Quota.ToString(CultureInfo.InvariantCulture) + ":" + charge.Kind + ":" + charge.Value + ":"
                + charge.Window.StartSeconds.ToString(CultureInfo.InvariantCulture);
            args[3 * k] = charge.Amount;
            args[3 * k + 1] = _limits[charge.Quota];
            args[3 * k + 2] = Math.Max(1, (long)Math.Ceiling((charge.Window.Left(now) + ExpiryMargin).TotalMilliseconds));
            map[k++] = c;
        }

        var items = await _store.ReserveAsync(keys, args).ConfigureAwait(false);
        if (items is null)
        {
            // Redis cannot decide: admit on the local counts alone rather than refuse every call while it is down.
            return Admit(charges, _store.LastProblem);
        }
        if (items[0] == 0)
        {
            var refused = -1;
            long refusedUsed = 0;
            for (var i = 1; i + 1 < items.Length; i += 2)
            {
                var c = map[(int)items[i]];
                if (refused < 0 || charges[c].Window.End > charges[refused].Window.End) { (refused, refusedUsed) = (c, items[i + 1]); }
            }
            GiveBackLocal(charges);
            return Refuse(charges[refused], refusedUsed, now);
        }
        for (var k = 0; k < cluster; k++)
        {
            charges[map[k]].Taken = true;
            charges[map[k]].After = items[1 + k];
        }
        return Admit(charges, null);
    }

    private QuotaAdmission.Admitted Admit(QuotaCharge[] charges, string? problem)
    {
        long remaining = -1, limit = -1;
        for (var c = 0; c < charges.Length; c++)
        {
            ref readonly var charge = ref charges[c];
            if (_quotas[charge.Quota].Tokens is null || charge.Counter is null && !charge.Taken) { continue; }
            var left = Math.Max(0, _limits[charge.Quota] - charge.After);
            if (remaining < 0 || left < remaining) { (remaining, limit) = (left, _limits[charge.Quota]); }
        }
        return new QuotaAdmission.Admitted(new QuotaReservation(this, charges, remaining, limit, problem));
    }

    private QuotaAdmission.Refused Refuse(in QuotaCharge charge, long used, DateTimeOffset now)
    {
        var quota = _quotas[charge.Quota];
        var limit = _limits[charge.Quota];
        var left = Math.Max(0, limit - used);
        var cost = quota.Cost is not null;
        return new QuotaAdmission.Refused(charge.Quota, quota.Key, quota.Period, cost, cost ? FromMicro(limit) : limit, cost ? FromMicro(left) : left, charge.Window.Left(now));
    }

    private void GiveBackLocal(QuotaCharge[] charges)
    {
        lock (_gate)
        {
            for (var c = 0; c < charges.Length; c++)
            {
                if (charges[c].Counter is { } counter && counter.Start == charges[c].Window.Start) { counter.Used -= charges[c].Amount; }
            }
        }
    }

    /// <summary>
    /// Moves every counter of a reservation to <paramref name="actual"/> (null: to nothing, the call failed). The
    /// counters stay those of the window the call was admitted in; one already over (local) or expired (Redis) is left.
    /// </summary>
    internal ValueTask AdjustAsync(QuotaCharge[] charges, TokenUsage? actual, string? providerModel)
    {
        if (charges.Length == 0) { return ValueTask.CompletedTask; }
        var amounts = actual is { } usage ? Amounts(Math.Max(0, usage.Input), Math.Max(0, usage.Output), providerModel ?? "") : new long[_quotas.Length];
        var clusterChanges = 0;
        lock (_gate)
        {
            for (var c = 0; c < charges.Length; c++)
            {
                ref readonly var charge = ref charges[c];
                var delta = amounts[charge.Quota] - charge.Amount;
                if (delta == 0) { continue; }
                if (charge.Counter is { } counter)
                {
                    if (counter.Start == charge.Window.Start) { counter.Used += delta; }
                }
                else if (charge.Taken) { clusterChanges++; }
            }
        }
        return clusterChanges == 0 ? ValueTask.CompletedTask : AdjustClusterAsync(charges, amounts, clusterChanges);
    }

    private async ValueTask AdjustClusterAsync(QuotaCharge[] charges, long[] amounts, int count)
    {
        var keys = new string[count];
        var deltas = new long[count];
        for (int c = 0, k = 0; c < charges.Length; c++)
        {
            var delta = amounts[charges[c].Quota] - charges[c].Amount;
            if (charges[c].Taken && delta != 0) { (keys[k], deltas[k]) = (charges[c].RedisKey!, delta); k++; }
        }
        await _store.AdjustAsync(keys, deltas).ConfigureAwait(false);
    }

    internal static string Fingerprint(IReadOnlyList<AiQuotaModel> quotas, IReadOnlyList<AiPriceModel> prices)
    {
        var text = new StringBuilder();
        foreach (var q in quotas)
        {
            text.Append(CultureInfo.InvariantCulture, $"q {q.Key} {q.Period} {q.Tokens} {Amount(q.Cost)} {q.Scope}\n");
        }
        foreach (var p in prices)
        {
            text.Append(CultureInfo.InvariantCulture, $"p {p.Model} {Amount(p.Input)} {Amount(p.Output)}\n");
        }
        return text.ToString();

        // 25.00 and 25 are the same quota, as record equality says.
        static string Amount(decimal? value) => value?.ToString("0.##########", CultureInfo.InvariantCulture) ?? "";
    }

    private static long Micro(decimal amount) => Saturate(decimal.Ceiling(amount * 1_000_000m));

    private static decimal FromMicro(long micro) => micro / 1_000_000m;

    // Far beyond any quota, and far from overflow when counters add up, in Lua's doubles as in longs.
    private const long MaxCount = 1L << 52;

    private static long Saturate(decimal value) => value <= 0 ? 0 : value >= MaxCount ? MaxCount : (long)value;

    private sealed record Lists(IReadOnlyList<AiQuotaModel> Quotas, IReadOnlyList<AiPriceModel> Prices);

    private readonly record struct CounterKey(int Quota, char Kind, string Value);
}
