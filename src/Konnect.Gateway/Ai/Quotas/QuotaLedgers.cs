using System.Collections.Concurrent;
using Konnect.Gateway.Redis;
using Konnect.Model;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Ai.Quotas;

/// <summary>
/// Every rule's quota ledger, kept across applied models by the rule's id while its quotas and prices stay the same:
/// republishing a model (another route changed, an endpoint moved) must not hand every consumer a fresh budget. A
/// changed block starts from zero (its Redis keys are new too, the old ones expire). A singleton.
/// </summary>
internal sealed class QuotaLedgers
{
    // Per rule the current block's ledger and the previous one's: calls that resolved their rule just before a model
    // change still ask with the old block, and must find its ledger rather than replace the new one (each
    // replacement would start a block's counts from zero again, and so overshoot).
    private readonly ConcurrentDictionary<string, QuotaLedger[]> _ledgers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ClusterQuotaStore _store;

    /// <param name="redis">Null without --redis: cluster quotas then admit every call and say so in <see cref="LastRedisProblem"/>.</param>
    public QuotaLedgers(TimeProvider time, RedisConnection? redis, ILogger<QuotaLedgers> logger)
    {
        _time = time;
        _store = new ClusterQuotaStore(redis, logger);
    }

    /// <summary>Why cluster quotas are not being counted now, or null while Redis answers (or none was needed yet).</summary>
    public string? LastRedisProblem => _store.LastProblem;

    /// <summary>The ledger of <paramref name="ruleId"/> for this block: the same one while quotas and prices are unchanged.</summary>
    public QuotaLedger For(string ruleId, AiModel ai)
    {
        ArgumentNullException.ThrowIfNull(ai);
        if (_ledgers.TryGetValue(ruleId, out var held) && Find(held, ai) is { } ledger) { return ledger; }
        // Concurrent first calls after a change agree on one ledger: whichever is stored first with this block wins.
        held = _ledgers.AddOrUpdate(ruleId,
            static (id, args) => [new QuotaLedger(id, args.Ai, args.Self._time, args.Self._store)],
            static (id, existing, args) => Find(existing, args.Ai) is not null ? existing : [new QuotaLedger(id, args.Ai, args.Self._time, args.Self._store), existing[0]],
            (Ai: ai, Self: this));
        return Find(held, ai) ?? throw new InvalidOperationException("the ledger just stored does not match its block");
    }

    /// <summary>Drops the ledgers of rules not in <paramref name="ruleIds"/> (call when a model is applied).</summary>
    public void Retain(IReadOnlySet<string> ruleIds)
    {
        foreach (var id in _ledgers.Keys)
        {
            if (!ruleIds.Contains(id)) { _ledgers.TryRemove(id, out _); }
        }
    }

    /// <summary>Ledgers held now, the previous blocks' included (tests).</summary>
    internal int Count => _ledgers.Values.Sum(held => held.Length);

    private static QuotaLedger? Find(QuotaLedger[] held, AiModel ai)
    {
        foreach (var ledger in held)
        {
            if (ledger.Matches(ai)) { return ledger; }
        }
        return null;
    }
}
