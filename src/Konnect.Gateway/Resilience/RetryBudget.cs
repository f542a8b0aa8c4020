namespace Konnect.Gateway.Resilience;

/// <summary>
/// A token bucket that bounds retries: every first attempt earns <c>ratio</c> tokens, every second earns
/// <c>minPerSecond</c>, and each retry spends one. Over any period retries therefore stay below
/// ratio × requests + minPerSecond × seconds (plus a small saved burst), whatever the upstream does; without it a
/// failing upstream would receive attempts × the load exactly when it can least take it.
/// </summary>
internal sealed class RetryBudget
{
    /// <summary>How many retries a quiet period can save up beyond one second's allowance.</summary>
    public const int SavedRetries = 10;

    private readonly double _ratio;
    private readonly int _perSecond;
    private readonly double _capacity;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _tokens;
    private DateTimeOffset _refilled;

    public RetryBudget(double ratio, int minPerSecond, TimeProvider time)
    {
        _ratio = ratio;
        _perSecond = minPerSecond;
        _capacity = minPerSecond + Math.Max(1, ratio * SavedRetries);
        _time = time;
        _tokens = minPerSecond;
        _refilled = time.GetUtcNow();
    }

    /// <summary>A first attempt was sent: it earns its share of a retry.</summary>
    public void Deposit()
    {
        lock (_lock) { _tokens = Math.Min(_capacity, _tokens + _ratio); }
    }

    /// <summary>True, spending one token, when a retry is within the budget.</summary>
    public bool TryWithdraw()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            var elapsed = (now - _refilled).TotalSeconds;
            if (elapsed > 0)
            {
                _tokens = Math.Min(_capacity, _tokens + elapsed * _perSecond);
                _refilled = now;
            }
            // A small epsilon: five deposits of 0.2 must buy a retry despite binary fractions.
            if (_tokens < 1 - 1e-9) { return false; }
            _tokens = Math.Max(0, _tokens - 1);
            return true;
        }
    }
}
