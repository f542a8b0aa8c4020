using System.Threading.Channels;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Kubernetes;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Kubernetes.Watching;
using Microsoft.Extensions.Logging;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>
/// Writes the translator's statuses to the status subresource of KonnectRoutes, KonnectPolicies and KonnectConsumers:
/// only from the leader, only what differs from what the object already carries (so GitOps tools see no churn), and
/// coalesced, so a burst of reports costs one write per object. lastTransitionTime is kept while a condition's status
/// stays the same. A newly elected leader reads each object before writing, so a failover rewrites nothing that is
/// already right. An object that becomes rejected gets one Warning Event per distinct reason and message. While the
/// API server does not answer, nothing is dropped: the newest status of each object waits, and all of them are
/// written as soon as the client's <see cref="ApiServerProbe"/> hears from the server (by the leader of that moment).
/// </summary>
public sealed partial class StatusWriter : IStatusSink
{
    private readonly KubeApiClient _client;
    private readonly Func<bool> _isLeader;
    private readonly StatusWriterOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    // Shared with ReportAsync, under _gate: the newest desired status per object and the objects that may need a write.
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectRef, ObjectStatus> _desired = [];
    private readonly HashSet<ObjectRef> _dirty = [];
    private volatile bool _resync = true;
    private long _reportsReceived;
    private long _reportsFlushed;

    // Owned by the write loop: what each object carries on the server (last read or written), retry state, events sent.
    private readonly Dictionary<ObjectRef, RemoteObject> _known = [];
    private readonly Dictionary<ObjectRef, (DateTimeOffset At, Backoff Backoff)> _retries = [];
    private readonly Dictionary<ObjectRef, (string Reason, string Message)> _eventsSent = [];

    // Set by a write that got no answer: the rest of the pass is put back and the loop waits for the API server.
    private bool _serverDown;

    public StatusWriter(KubeApiClient client, Func<bool> isLeader, StatusWriterOptions options, ILogger<StatusWriter> logger, TimeProvider? time = null)
    {
        _client = client;
        _isLeader = isLeader;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Follows <paramref name="elector"/>: writes only while it leads, and catches up as soon as it is elected.</summary>
    public StatusWriter(KubeApiClient client, LeaderElector elector, StatusWriterOptions options, ILogger<StatusWriter> logger, TimeProvider? time = null)
        : this(client, () => elector.IsLeader, options with { ReportingInstance = elector.Identity }, logger, time)
    {
        elector.LeadershipChanged += OnLeadershipChanged;
    }

    public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var reported = new HashSet<ObjectRef>();
            foreach (var status in statuses)
            {
                if (!IsKonnectKind(status.Object.Kind)) { continue; }
                reported.Add(status.Object);
                if (!_desired.TryGetValue(status.Object, out var old) || !SameDesired(old, status))
                {
                    _dirty.Add(status.Object);
                }
                _desired[status.Object] = status;
            }
            // Objects the translator no longer reports were deleted: nothing to write for them any more.
            foreach (var gone in _desired.Keys.Where(k => !reported.Contains(k)).ToList())
            {
                _desired.Remove(gone);
                _dirty.Remove(gone);
            }
        }
        Interlocked.Increment(ref _reportsReceived);
        _wake.Writer.TryWrite(true);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Call on every leadership change. On gaining it, everything is checked against the objects as they are now: the
    /// previous leader may have written since we last looked.
    /// </summary>
    public void OnLeadershipChanged(bool leader)
    {
        _resync = true;
        if (leader)
        {
            Interlocked.Increment(ref _reportsReceived);
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>True once a write pass has finished that started after the last report: lets tests wait instead of sleeping.</summary>
    internal bool CaughtUp => Interlocked.Read(ref _reportsFlushed) >= Interlocked.Read(ref _reportsReceived);

    /// <summary>The write loop: runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_serverDown)
                {
                    // Every status not yet written stays queued (the newest per object); they go out together the
                    // moment the API server answers, whoever leads then.
                    await _client.Probe.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
                    _serverDown = false;
                }
                else
                {
                    await WaitForWorkAsync(cancellationToken).ConfigureAwait(false);
                }
                // Let the rest of a burst arrive; only the newest status of each object is written.
                await Task.Delay(_options.FlushDelay, _time, cancellationToken).ConfigureAwait(false);
                var seen = Interlocked.Read(ref _reportsReceived);
                await FlushAsync(cancellationToken).ConfigureAwait(false);
                if (!_serverDown) { Interlocked.Exchange(ref _reportsFlushed, seen); }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? nextRetry = _retries.Count == 0 ? null : _retries.Values.Min(r => r.At);
        if (nextRetry is null)
        {
            await _wake.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        var wait = nextRetry.Value - _time.GetUtcNow();
        if (wait <= TimeSpan.Zero) { return; }
        using var timer = new CancellationTokenSource(wait, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _wake.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A retry is due.
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_isLeader())
        {
            // Followers keep the desired statuses so they can catch up the moment they are elected.
            _resync = true;
            return;
        }
        List<(ObjectRef Ref, ObjectStatus Desired)> work;
        lock (_gate)
        {
            if (_resync)
            {
                _resync = false;
                _known.Clear();
                _retries.Clear();
                _dirty.UnionWith(_desired.Keys);
            }
            // Objects deleted since their last failed write must not keep the loop waking up.
            foreach (var gone in _retries.Keys.Where(k => !_desired.ContainsKey(k)).ToList()) { _retries.Remove(gone); }
            foreach (var gone in _known.Keys.Where(k => !_desired.ContainsKey(k)).ToList()) { _known.Remove(gone); }
            foreach (var gone in _eventsSent.Keys.Where(k => !_desired.ContainsKey(k)).ToList()) { _eventsSent.Remove(gone); }
            var now = _time.GetUtcNow();
            work = [.. _dirty.Where(r => !_retries.TryGetValue(r, out var retry) || retry.At <= now).Select(r => (r, _desired[r]))];
            foreach (var (r, _) in work) { _dirty.Remove(r); }
        }
        foreach (var (objectRef, desired) in work)
        {
            if (!_isLeader()) { Requeue(objectRef); _resync = true; return; }
            if (_serverDown) { Requeue(objectRef); continue; }
            await WriteOneAsync(objectRef, desired, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteOneAsync(ObjectRef objectRef, ObjectStatus desired, CancellationToken cancellationToken)
    {
        try
        {
            if (!_known.TryGetValue(objectRef, out var known))
            {
                // First write since we became leader (or after a conflict): compare with what the object carries now.
                known = await GetAsync(objectRef, cancellationToken).ConfigureAwait(false);
                _known[objectRef] = known;
            }
            var now = _time.GetUtcNow();
            var status = StatusComputation.Compute(desired, known.Status, now);
            if (StatusComputation.Same(status, known.Status))
            {
                _retries.Remove(objectRef);
                return;
            }
            var written = await PatchAsync(objectRef, StatusComputation.MergePatch(status, known.Status), cancellationToken).ConfigureAwait(false);
            _known[objectRef] = written;
            _retries.Remove(objectRef);
            LogWritten(_logger, objectRef.ToString());
            await RecordRejectionAsync(objectRef, written.Uid, status, known.Status, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            // Deleted since the translator saw it; its next report will not include it.
            _known.Remove(objectRef);
            _retries.Remove(objectRef);
            _eventsSent.Remove(objectRef);
        }
        catch (KubeApiException e) when (e.IsUnreachable)
        {
            // Nothing answered: no per-object backoff (after a minute down it would reach 30 s and hold the write
            // back that long after the server's return); the loop waits for the client's probe instead.
            _known.Remove(objectRef);
            _retries.Remove(objectRef);
            Requeue(objectRef);
            _serverDown = true;
            LogServerDown(_logger, objectRef.ToString(), e.Message);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or System.Text.Json.JsonException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // 409: someone else wrote the object; read it again before the retry. 429/5xx/unreachable: just retry.
            _known.Remove(objectRef);
            var backoff = _retries.TryGetValue(objectRef, out var previous) ? previous.Backoff : new Backoff(_options.InitialBackoff, _options.MaxBackoff);
            var delay = e is KubeApiException { RetryAfter: { } after } ? after : backoff.Next();
            _retries[objectRef] = (_time.GetUtcNow() + delay, backoff);
            Requeue(objectRef);
            LogWriteFailed(_logger, objectRef.ToString(), delay.TotalSeconds, e.Message);
        }
    }

    private void Requeue(ObjectRef objectRef)
    {
        lock (_gate)
        {
            if (_desired.ContainsKey(objectRef)) { _dirty.Add(objectRef); }
        }
    }

    private static bool SameDesired(ObjectStatus a, ObjectStatus b) =>
        a.Generation == b.Generation && a.Conditions.SequenceEqual(b.Conditions) && (a.Subscriptions ?? []).SequenceEqual(b.Subscriptions ?? []);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Object}: status written")]
    private static partial void LogWritten(ILogger logger, string @object);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: status write failed, retrying in {Seconds:0.#} s: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string @object, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: status not written, the API server does not answer; every pending status is kept and written when it does: {Error}")]
    private static partial void LogServerDown(ILogger logger, string @object, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: could not record an Event: {Error}")]
    private static partial void LogEventFailed(ILogger logger, string @object, string error);
}
