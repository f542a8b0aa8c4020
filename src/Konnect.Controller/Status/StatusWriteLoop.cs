using System.Threading.Channels;
using Konnect.Kubernetes;

namespace Konnect.Controller.Status;

/// <summary>
/// The write loop the status writers share (KonnectRoute, KonnectPolicy and KonnectConsumer conditions; Ingress
/// addresses; Gateway API status): reports wake it, a short delay lets a burst arrive so only the newest state of each
/// object is written, a failed write that got no answer waits for the API server to answer again (nothing is dropped
/// meanwhile), and a leadership change makes the next pass read everything again. What to write, and how, is each
/// writer's own.
/// </summary>
public abstract class StatusWriteLoop
{
    private readonly KubeApiClient _client;
    private readonly TimeSpan _flushDelay;
    private readonly TimeProvider _time;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _reportsReceived;
    private long _reportsFlushed;
    private volatile bool _resync = true;

    protected StatusWriteLoop(KubeApiClient client, TimeSpan flushDelay, TimeProvider time)
    {
        _client = client;
        _flushDelay = flushDelay;
        _time = time;
    }

    /// <summary>Set when everything must be read again before the next write (start, a leadership change, a follower's pass).</summary>
    protected bool Resync { get => _resync; set => _resync = value; }

    /// <summary>Set by a write that got no answer: the rest of the pass is put back and the loop waits for the API server.</summary>
    protected bool ServerDown { get; set; }

    /// <summary>True once a write pass has finished that started after the last report: lets tests wait instead of sleeping.</summary>
    internal bool CaughtUp => Interlocked.Read(ref _reportsFlushed) >= Interlocked.Read(ref _reportsReceived);

    /// <summary>Call on every leadership change. On gaining it, everything is checked against the objects as they are now.</summary>
    public void OnLeadershipChanged(bool leader)
    {
        Resync = true;
        if (leader) { Wake(); }
    }

    /// <summary>Counts a report and wakes the loop.</summary>
    protected void Wake()
    {
        Interlocked.Increment(ref _reportsReceived);
        _wake.Writer.TryWrite(true);
    }

    /// <summary>When a write is due without a report (a retry, a refresh); <see cref="DateTimeOffset.MaxValue"/> for never.</summary>
    protected abstract DateTimeOffset NextDue();

    /// <summary>One pass: writes what differs, while leading.</summary>
    protected abstract Task FlushAsync(CancellationToken cancellationToken);

    /// <summary>The write loop: runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (ServerDown)
                {
                    // Every write not done yet stays queued (the newest per object); they go out together the moment
                    // the API server answers, whoever leads then.
                    await _client.Probe.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
                    ServerDown = false;
                }
                else
                {
                    await WaitForWorkAsync(cancellationToken).ConfigureAwait(false);
                }
                // Let the rest of a burst arrive; only the newest state of each object is written.
                await Task.Delay(_flushDelay, _time, cancellationToken).ConfigureAwait(false);
                var seen = Interlocked.Read(ref _reportsReceived);
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                if (!ServerDown) { Interlocked.Exchange(ref _reportsFlushed, seen); }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        var due = NextDue();
        if (due == DateTimeOffset.MaxValue)
        {
            await _wake.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var wait = due - _time.GetUtcNow();
        if (wait <= TimeSpan.Zero) { return; }
        using var timer = new CancellationTokenSource(wait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _wake.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Something is due.
        }
    }
}
