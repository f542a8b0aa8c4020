using System.Net;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// The idle keep-alive connections to one upstream host and port, shared by every rule that sends there (as nginx and
/// Envoy pool by upstream address) and reused most recent first, so under load a few stay warm and the rest age out.
/// </summary>
internal sealed class ConnectionPool(EndPoint endPoint)
{
    /// <summary>Idle connections kept per address beyond which a returned one is closed.</summary>
    public const int MaxIdle = 512;

    private readonly Lock _lock = new();
    private UpstreamConnection[] _idle = new UpstreamConnection[4];
    private int _count;
    private volatile bool _retired;

    public EndPoint EndPoint { get; } = endPoint;

    /// <summary>Dropped by the registry: connections returned to it are closed.</summary>
    public bool Retired => _retired;

    /// <summary>Used since the registry's last sweep (written without a lock: a lost write only delays removal).</summary>
    public bool Seen;

    /// <summary>The most recently returned idle connection that is still fresh enough, or null.</summary>
    public UpstreamConnection? RentIdle(long now, long idleTicks)
    {
        while (true)
        {
            UpstreamConnection? connection;
            lock (_lock)
            {
                if (_count == 0) { return null; }
                connection = _idle[--_count];
                _idle[_count] = null!;
            }
            if (!connection.IsClosed && now - connection.IdleSince < idleTicks) { return connection; }
            connection.Dispose();
        }
    }

    /// <summary>Keeps a connection that finished an exchange cleanly for the next request.</summary>
    public void Return(UpstreamConnection connection, long now)
    {
        connection.IdleSince = now;
        lock (_lock)
        {
            if (!_retired && _count < MaxIdle)
            {
                if (_count == _idle.Length) { Array.Resize(ref _idle, _count * 2); }
                _idle[_count++] = connection;
                return;
            }
        }
        connection.Dispose();
    }

    /// <summary>Closes the idle connections older than <paramref name="idleTicks"/>; returns how many stay.</summary>
    public int CloseIdle(long now, long idleTicks)
    {
        List<UpstreamConnection>? stale = null;
        int left;
        lock (_lock)
        {
            // Oldest at the bottom: the stack is ordered by return time.
            var keep = 0;
            while (keep < _count && now - _idle[keep].IdleSince >= idleTicks) { keep++; }
            if (keep > 0)
            {
                stale = new List<UpstreamConnection>(_idle.AsSpan(0, keep).ToArray());
                Array.Copy(_idle, keep, _idle, 0, _count - keep);
                Array.Clear(_idle, _count - keep, keep);
                _count -= keep;
            }
            left = _count;
        }
        stale?.ForEach(c => c.Dispose());
        return left;
    }

    /// <summary>No longer pooled: closes the idle connections, and ones returned later are closed too.</summary>
    public void Retire()
    {
        UpstreamConnection[] idle;
        lock (_lock)
        {
            _retired = true;
            idle = _idle.AsSpan(0, _count).ToArray();
            Array.Clear(_idle);
            _count = 0;
        }
        foreach (var connection in idle) { connection.Dispose(); }
    }
}
