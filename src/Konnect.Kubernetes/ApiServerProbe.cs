namespace Konnect.Kubernetes;

/// <summary>
/// Knows whether the API server answers, and while it does not, finds out within about a second when it does again,
/// so that every watch, the status writer and leader election resume at once instead of waiting out a backoff
/// (client-go's exponential backoff, and Konnect's before this, let a reflector sleep up to 30 s after the server was
/// back). Thread-safe; one per <see cref="KubeApiClient"/>.
/// </summary>
/// <remarks>
/// The design, and why not a shorter backoff in each caller: a process has seven reflectors per watched namespace plus
/// the status writer and the elector. While the server is down they all wait on this one probe, which sends one cheap
/// request (GET /version: no etcd read, readable by every identity through the system:public-info-viewer role) per
/// <see cref="KubeApiClientOptions.ProbeInterval"/> with jitter, however many wait, and wakes them together the moment
/// it gets any HTTP answer. Only "nothing answered" counts as down (refused, reset, TLS cut short, no answer within
/// the deadline): API servers sit behind layer-4 balancers (TLS passes through for client certificates), so an outage
/// looks like that, and a request that never reached a server cannot load one. A server that answers, even 429 or
/// 5xx, is not down: callers back off exponentially from such answers and honour Retry-After, so an overloaded API
/// server is never hammered by a fleet of gateways.
/// </remarks>
public sealed class ApiServerProbe : IDisposable
{
    private readonly Func<CancellationToken, Task> _probe;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    // Cancelled, never disposed: the probing loop may still read its token after Dispose.
    private readonly CancellationTokenSource _disposed = new();
    private readonly Lock _gate = new();
    private volatile bool _down;
    private long _probesSent;
    private TaskCompletionSource _answered = NewSignal();
    private Task? _probing;
    private int _waiters;

    /// <param name="probe">One cheap request; it throws a <see cref="KubeApiException"/> when it fails.</param>
    public ApiServerProbe(Func<CancellationToken, Task> probe, TimeSpan interval, TimeSpan timeout, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _probe = probe;
        _interval = interval;
        _timeout = timeout;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The longest pause between two probes while the server is down.</summary>
    public TimeSpan Interval => _interval;

    /// <summary>True from a call that got no answer until a probe or another call gets one.</summary>
    public bool IsDown => _down;

    /// <summary>Probes sent since this was made.</summary>
    public long ProbesSent => Interlocked.Read(ref _probesSent);

    /// <summary>What a call learned: no answer marks the server down; any HTTP answer marks it up.</summary>
    public void Observe(KubeApiException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.IsUnreachable) { MarkDown(); }
        else if (e.StatusCode != 0) { MarkAnswered(); }
    }

    /// <summary>A call got an answer: the server is there. Cheap when it was not down.</summary>
    public void MarkAnswered()
    {
        if (!_down) { return; }
        TaskCompletionSource answered;
        lock (_gate)
        {
            if (!_down) { return; }
            _down = false;
            answered = _answered;
            _answered = NewSignal();
        }
        answered.TrySetResult();
    }

    /// <summary>A call got no answer.</summary>
    public void MarkDown()
    {
        if (_down) { return; }
        lock (_gate) { _down = true; }
    }

    /// <summary>
    /// Completes at once when the server is not known to be down; otherwise when a probe (or any other call) gets an
    /// answer. Probes go out only while somebody waits: a host that stopped (its waiters cancelled) probes no more.
    /// </summary>
    public async Task WaitUntilAnsweringAsync(CancellationToken cancellationToken)
    {
        Task answered;
        lock (_gate)
        {
            if (!_down) { return; }
            answered = _answered.Task;
            _waiters++;
            _probing ??= Task.Run(ProbeUntilAnsweredAsync, CancellationToken.None);
        }
        try
        {
            await answered.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate) { _waiters--; }
        }
    }

    private bool ShouldProbe => _down && Volatile.Read(ref _waiters) > 0 && !_disposed.IsCancellationRequested;

    private async Task ProbeUntilAnsweredAsync()
    {
        try
        {
            while (ShouldProbe)
            {
                // Equal jitter, half to all of the interval: pods that lost the server together do not probe in step,
                // and no pause is longer than the interval.
                var pause = _interval * (0.5 + (Random.Shared.NextDouble() / 2));
                await Task.Delay(pause, _time, _disposed.Token).ConfigureAwait(false);
                if (!ShouldProbe) { break; }
                if (await ProbeOnceAsync().ConfigureAwait(false)) { MarkAnswered(); }
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            // Disposed with the client.
        }
        finally
        {
            lock (_gate)
            {
                _probing = null;
                // Someone started waiting between the loop's last look and here: they need a probe.
                if (ShouldProbe)
                {
                    _probing = Task.Run(ProbeUntilAnsweredAsync, CancellationToken.None);
                }
            }
        }
    }

    /// <summary>True when the server answered anything at all, even an error.</summary>
    private async Task<bool> ProbeOnceAsync()
    {
        Interlocked.Increment(ref _probesSent);
        using var deadline = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, _disposed.Token);
        try
        {
            await _probe(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (KubeApiException e)
        {
            // An error answer is an answer. So is a credential failure: the callers then meet it themselves and back
            // off from it, rather than all waiting on a probe that cannot tell.
            return !e.IsUnreachable;
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException or IOException or ObjectDisposedException)
        {
            // No answer within the probe's deadline, or the client is gone.
            return false;
        }
        catch (Exception) // unforeseen: let the callers find out with their own calls rather than wait on a probe that cannot tell
        {
            return true;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => _disposed.Cancel();
}
