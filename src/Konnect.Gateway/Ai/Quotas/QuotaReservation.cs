using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Ai.Quotas;

/// <summary>
/// The room an admitted call holds in its quotas until it ends. Exactly one of <see cref="SettleAsync"/> and
/// <see cref="ReleaseAsync"/> takes effect, whichever comes first; later calls of either do nothing, so a caller may
/// release in a finally block after settling. Safe to call from any thread.
/// </summary>
internal sealed class QuotaReservation
{
    private readonly QuotaLedger _ledger;
    private readonly QuotaCharge[] _charges;
    private int _ended;

    internal QuotaReservation(QuotaLedger ledger, QuotaCharge[] charges, long remaining, long limit, string? problem)
    {
        _ledger = ledger;
        _charges = charges;
        Remaining = remaining;
        Limit = limit;
        Problem = problem;
    }

    /// <summary>The fewest tokens left after this reservation over the token quotas (for RateLimit-Remaining); -1 without a token quota.</summary>
    public long Remaining { get; }

    /// <summary>The limit of the quota <see cref="Remaining"/> is from; -1 without a token quota.</summary>
    public long Limit { get; }

    /// <summary>
    /// Why the call's cluster quotas were not counted (Redis unreachable, or not configured): the call was admitted on
    /// its local quotas alone. Null when every quota was counted.
    /// </summary>
    public string? Problem { get; }

    /// <summary>True once settled or released.</summary>
    public bool Ended => Volatile.Read(ref _ended) != 0;

    /// <summary>
    /// Moves every counter from the reservation to <paramref name="actual"/>: the unused part is given back, and usage
    /// above the reservation is charged even past the limit, so later calls see what was really spent. Cost quotas use
    /// the price of <paramref name="providerModel"/>, the model that answered (a fallback may differ from the one reserved for).
    /// </summary>
    public ValueTask SettleAsync(TokenUsage actual, string providerModel) =>
        Interlocked.Exchange(ref _ended, 1) == 0 ? _ledger.AdjustAsync(_charges, actual, providerModel) : ValueTask.CompletedTask;

    /// <summary>The call failed or was never sent: gives the whole reservation back.</summary>
    public ValueTask ReleaseAsync() =>
        Interlocked.Exchange(ref _ended, 1) == 0 ? _ledger.AdjustAsync(_charges, null, null) : ValueTask.CompletedTask;
}
