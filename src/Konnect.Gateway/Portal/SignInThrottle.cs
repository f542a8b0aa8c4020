using System.Collections.Concurrent;
using System.Net;

namespace Konnect.Gateway.Portal;

/// <summary>
/// Limits wrong credentials per client address: the portal checks a consumer's real credentials, so without a limit
/// it would let anyone try passwords and API keys as fast as it answers. After <see cref="MaxFailures"/> wrong tries in
/// a minute, requests from that address that carry credentials are refused until the minute ends. Bounded: past
/// <see cref="MaxClients"/> addresses the table starts afresh.
/// </summary>
internal sealed class SignInThrottle(TimeProvider clock)
{
    public const int MaxFailures = 10;
    private const int MaxClients = 10_000;

    private readonly ConcurrentDictionary<IPAddress, (long Minute, int Failures)> _clients = new();

    /// <summary>Seconds until <paramref name="client"/> may try again; null when it may now.</summary>
    public int? RetryAfter(IPAddress? client)
    {
        if (client is null || !_clients.TryGetValue(client, out var entry)) { return null; }
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        return entry.Minute == now / 60 && entry.Failures >= MaxFailures ? (int)(60 - now % 60) : null;
    }

    public void Failed(IPAddress? client)
    {
        if (client is null) { return; }
        if (_clients.Count >= MaxClients) { _clients.Clear(); }
        var minute = clock.GetUtcNow().ToUnixTimeSeconds() / 60;
        _clients.AddOrUpdate(client, (minute, 1), (_, e) => e.Minute == minute ? (minute, e.Failures + 1) : (minute, 1));
    }
}
