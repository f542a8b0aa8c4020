namespace Konnect.Gateway.Ai.Quotas;

/// <summary>One local counter: the count of one key in its current window.</summary>
internal sealed class QuotaCounter
{
    public DateTime Start;
    public DateTime End;
    public long Used;
}

/// <summary>What a reservation took from one counter, so that settling moves exactly that counter.</summary>
/// <param name="quota">Index in the ledger's quotas.</param>
/// <param name="kind">What the key is: c consumer, g group, r route, m model.</param>
/// <param name="value">The key's value (consumer, group or model name; empty for route).</param>
/// <param name="window">The window the call was admitted in: it is settled there, even once a later one has begun.</param>
/// <param name="amount">Tokens, or millionths of the currency.</param>
internal struct QuotaCharge(int quota, char kind, string value, QuotaWindow window, long amount)
{
    public readonly int Quota = quota;
    public readonly char Kind = kind;
    public readonly string Value = value;
    public readonly QuotaWindow Window = window;
    public readonly long Amount = amount;
    /// <summary>The local counter taken from, or null for a cluster quota.</summary>
    public QuotaCounter? Counter;
    /// <summary>A cluster quota's key, once built.</summary>
    public string? RedisKey;
    /// <summary>Redis took the amount (false while it could not be reached: nothing to settle there).</summary>
    public bool Taken;
    /// <summary>The counter's count right after this reservation, for the remaining room.</summary>
    public long After;
}
