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
public sealed partial class StatusWriter : StatusWriteLoop, IStatusSink
{
    private readonly KubeApiClient _client;
    private readonly Func<bool> _isLeader;
    private readonly StatusWriterOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Shared with ReportAsync, under _gate: the newest desired status per object and the objects that may need a write.
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectRef, ObjectStatus> _desired = [];
    private readonly HashSet<ObjectRef> _dirty = [];

    // Owned by the write loop: what each object carries on the server (last read or written), retry state, events sent.
    private readonly Dictionary<ObjectRef, RemoteObject> _known = [];
    private readonly Dictionary<ObjectRef, (DateTimeOffset At, Backoff Backoff)> _retries = [];
    private readonly Dictionary<ObjectRef, (string Reason, string Message)> _eventsSent = [];

    public StatusWriter(KubeApiClient client, Func<bool> isLeader, StatusWriterOptions options, ILogger<StatusWriter> logger, TimeProvider? time = null)
        : base(client, options.FlushDelay, time ?? TimeProvider.System)
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
        Wake();
        return ValueTask.CompletedTask;
    }

    protected override DateTimeOffset NextDue() => _retries.Count == 0 ? DateTimeOffset.MaxValue : _retries.Values.Min(r => r.At);

    protected override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_isLeader())
        {
            // Followers keep the desired statuses so they can catch up the moment they are elected.
            Resync = true;
            return;
        }
        List<(ObjectRef Ref, ObjectStatus Desired)> work;
        lock (_gate)
        {
            if (Resync)
            {
                Resync = false;
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
            if (!_isLeader()) { Requeue(objectRef); Resync = true; return; }
            if (ServerDown) { Requeue(objectRef); continue; }
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
            ServerDown = true;
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
        a.Generation == b.Generation && a.SameContent(b);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Object}: status written")]
    private static partial void LogWritten(ILogger logger, string @object);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: status write failed, retrying in {Seconds:0.#} s: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string @object, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: status not written, the API server does not answer; every pending status is kept and written when it does: {Error}")]
    private static partial void LogServerDown(ILogger logger, string @object, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: could not record an Event: {Error}")]
    private static partial void LogEventFailed(ILogger logger, string @object, string error);
}
