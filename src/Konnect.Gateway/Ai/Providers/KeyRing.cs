namespace Konnect.Gateway.Ai.Providers;

/// <summary>
/// A provider's API keys, used in turn; a key that got a 429 rests until its Retry-After (or the provider's
/// keyCooldown) has passed. Kept across model versions while the keys stay the same (see <see cref="AiRules"/>), so a
/// reload does not send calls straight back to a key the provider just throttled.
/// </summary>
internal sealed class KeyRing(IReadOnlyList<string> keys, TimeProvider time)
{
    private readonly long[] _restingUntil = new long[Math.Max(keys.Count, 1)];
    private int _next = -1;

    public int Count => keys.Count;

    /// <summary>The next key not resting, in turn; null when the provider needs no key.</summary>
    /// <returns>False when every key rests: <paramref name="wait"/> says for how long the first one still does.</returns>
    public bool TryTake(out int index, out string? key, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        index = 0;
        key = null;
        if (keys.Count == 0) { return true; }
        var now = time.GetUtcNow().UtcTicks;
        var start = Interlocked.Increment(ref _next) & int.MaxValue;
        var soonest = long.MaxValue;
        for (var i = 0; i < keys.Count; i++)
        {
            var candidate = (start + i) % keys.Count;
            var until = Volatile.Read(ref _restingUntil[candidate]);
            if (until <= now)
            {
                index = candidate;
                key = keys[candidate];
                return true;
            }
            soonest = Math.Min(soonest, until);
        }
        wait = TimeSpan.FromTicks(soonest - now);
        return false;
    }

    public void Rest(int index, TimeSpan duration)
    {
        if (keys.Count == 0) { return; }
        Volatile.Write(ref _restingUntil[index], time.GetUtcNow().UtcTicks + duration.Ticks);
    }
}
