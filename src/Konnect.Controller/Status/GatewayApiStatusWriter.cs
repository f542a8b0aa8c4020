using Konnect.Api.GatewayApi;
using Konnect.Kubernetes;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Kubernetes.Watching;
using Konnect.Model;
using Microsoft.Extensions.Logging;
using static Konnect.Controller.Status.GatewayApiStatus;

namespace Konnect.Controller.Status;

/// <summary>
/// What the leader writes on the Gateway API objects that are Konnect's: a GatewayClass's status.conditions, a
/// Gateway's status.conditions, status.listeners and (with --publish-address or --publish-service) status.addresses,
/// and Konnect's own entries of an HTTPRoute's status.parents (controllerName konnect.dev/gateway-controller; other
/// controllers' entries are kept as they are). Beside <see cref="StatusWriter"/> and <see cref="IngressStatusWriter"/>
/// in the fan-out, with their rules: only the leader writes; each object is read through its status subresource
/// before the first write and written only when what it carries differs; lastTransitionTime is kept while a
/// condition's status holds (<see cref="StatusComputation"/>); a burst of reports is coalesced; while the API server
/// does not answer the newest desired status of each object waits until the client's probe hears from it again. A
/// Gateway listener, a Gateway or a route parent that becomes not Accepted gets one Warning Event per distinct reason
/// and message (none when the object already carried it, so a failover repeats nothing).
/// </summary>
public sealed partial class GatewayApiStatusWriter : StatusWriteLoop, IStatusSink
{
    private readonly KubeApiClient _client;
    private readonly Func<bool> _isLeader;
    private readonly IngressPublishOptions _publish;
    private readonly StatusWriterOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Shared with ReportAsync, under _gate.
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectRef, ObjectStatus> _desired = [];
    private readonly HashSet<ObjectRef> _dirty = [];
    // HTTPRoutes no longer reported (their parentRefs left Konnect's Gateways): one more write takes Konnect's entries off.
    private readonly HashSet<ObjectRef> _leaving = [];

    // Owned by the write loop.
    private readonly Dictionary<ObjectRef, Remote> _known = [];
    private readonly Dictionary<ObjectRef, (DateTimeOffset At, Backoff Backoff)> _retries = [];
    private readonly RefusalEvents _events;
    private readonly List<GatewayAddress>? _staticAddresses;
    private List<GatewayAddress>? _serviceAddresses;
    private DateTimeOffset _serviceReadAt = DateTimeOffset.MinValue;

    public GatewayApiStatusWriter(KubeApiClient client, Func<bool> isLeader, IngressPublishOptions publish, StatusWriterOptions options,
        ILogger<GatewayApiStatusWriter> logger, TimeProvider? time = null)
        : base(client, options.FlushDelay, time ?? TimeProvider.System)
    {
        _client = client;
        _isLeader = isLeader;
        _publish = publish;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _events = new RefusalEvents(client, options, _time, logger, "not accepted");
        _staticAddresses = publish.Addresses.Count > 0 ? Addresses(IngressAddresses.FromAddresses(publish.Addresses)) : null;
    }

    /// <summary>Follows <paramref name="elector"/>: writes only while it leads, and catches up as soon as it is elected.</summary>
    public GatewayApiStatusWriter(KubeApiClient client, LeaderElector elector, IngressPublishOptions publish, StatusWriterOptions options,
        ILogger<GatewayApiStatusWriter> logger, TimeProvider? time = null)
        : this(client, () => elector.IsLeader, publish, options with { ReportingInstance = elector.Identity }, logger, time)
    {
        elector.LeadershipChanged += OnLeadershipChanged;
    }

    private static bool IsGatewayApiKind(string kind) => kind is GatewayClass.KindName or Gateway.KindName or HttpRoute.KindName or GrpcRoute.KindName;

    public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var reported = new HashSet<ObjectRef>();
            foreach (var status in statuses)
            {
                if (!IsGatewayApiKind(status.Object.Kind)) { continue; }
                reported.Add(status.Object);
                _leaving.Remove(status.Object);
                if (!_desired.TryGetValue(status.Object, out var old) || !SameDesired(old, status)) { _dirty.Add(status.Object); }
                _desired[status.Object] = status;
            }
            foreach (var gone in _desired.Keys.Where(k => !reported.Contains(k)).ToList())
            {
                if (gone.Kind is HttpRoute.KindName or GrpcRoute.KindName && !_leaving.Contains(gone))
                {
                    // No longer attached to any of Konnect's Gateways (or deleted: then the write finds it gone).
                    _leaving.Add(gone);
                    _desired[gone] = _desired[gone] with { Parents = [] };
                    _dirty.Add(gone);
                }
                else if (!_leaving.Contains(gone))
                {
                    // A GatewayClass or Gateway that is no longer Konnect's, or deleted: its status is no longer ours to write.
                    _desired.Remove(gone);
                    _dirty.Remove(gone);
                }
            }
        }
        Wake();
        return ValueTask.CompletedTask;
    }

    private bool AnyGateway()
    {
        lock (_gate) { return _desired.Keys.Any(k => k.Kind == Gateway.KindName); }
    }

    /// <summary>The next retry, or the next read of the published Service while any Gateway needs its addresses.</summary>
    protected override DateTimeOffset NextDue()
    {
        var due = _retries.Count == 0 ? DateTimeOffset.MaxValue : _retries.Values.Min(r => r.At);
        if (_publish.FromService && _isLeader() && AnyGateway() && _serviceReadAt + _publish.ServiceRefresh < due)
        {
            due = _serviceReadAt + _publish.ServiceRefresh;
        }
        return due;
    }

    protected override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!_isLeader())
        {
            Resync = true;
            return;
        }
        List<ObjectRef> work;
        lock (_gate)
        {
            if (Resync)
            {
                Resync = false;
                _known.Clear();
                _retries.Clear();
                _events.Clear();
                _dirty.UnionWith(_desired.Keys);
            }
            foreach (var gone in _retries.Keys.Where(k => !_desired.ContainsKey(k)).ToList()) { _retries.Remove(gone); }
            foreach (var gone in _known.Keys.Where(k => !_desired.ContainsKey(k)).ToList()) { _known.Remove(gone); }
            _events.KeepOnly(_desired);
            work = Due();
        }
        if (_publish.FromService && AnyGateway() && (work.Any(r => r.Kind == Gateway.KindName) || _time.GetUtcNow() >= _serviceReadAt + _publish.ServiceRefresh))
        {
            if (!await ReadServiceAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var r in work) { Requeue(r); }
                return;
            }
            var taken = work.ToHashSet();
            lock (_gate) { work.AddRange(Due().Where(d => !taken.Contains(d))); }
        }
        foreach (var objectRef in work)
        {
            if (!_isLeader()) { Requeue(objectRef); Resync = true; return; }
            if (ServerDown) { Requeue(objectRef); continue; }
            ObjectStatus? desired;
            lock (_gate) { desired = _desired.GetValueOrDefault(objectRef); }
            if (desired is null) { continue; }
            if (await WriteOneAsync(desired, cancellationToken).ConfigureAwait(false))
            {
                lock (_gate)
                {
                    // Konnect's entries are off the route: nothing more to write on it unless it is reported again.
                    if (_leaving.Contains(objectRef) && ReferenceEquals(_desired.GetValueOrDefault(objectRef), desired) && !_dirty.Contains(objectRef))
                    {
                        _leaving.Remove(objectRef);
                        _desired.Remove(objectRef);
                    }
                }
            }
        }
    }

    /// <summary>The dirty objects whose retry (if any) is due, taken off the dirty set. Under _gate.</summary>
    private List<ObjectRef> Due()
    {
        var now = _time.GetUtcNow();
        List<ObjectRef> due = [.. _dirty.Where(r => !_retries.TryGetValue(r, out var retry) || retry.At <= now)];
        foreach (var r in due) { _dirty.Remove(r); }
        return due;
    }

    /// <summary>Reads the --publish-service Service; a change of its addresses makes every Gateway due. False: the server is down.</summary>
    private async Task<bool> ReadServiceAsync(CancellationToken cancellationToken)
    {
        var read = await PublishedServiceRead.ReadAsync(_client, _publish, cancellationToken).ConfigureAwait(false);
        if (!read.Reached)
        {
            ServerDown = true;
            LogServerDown(_logger, $"Service {_publish.ServiceNamespace}/{_publish.ServiceName}", read.Error ?? "");
            return false;
        }
        // Missing or unreadable: publish nothing (what the objects carry stays) and look again at the next refresh.
        if (read.Addresses is null) { LogServiceUnreadable(_logger, $"{_publish.ServiceNamespace}/{_publish.ServiceName}", read.Error ?? ""); }
        var addresses = read.Addresses is { } found ? Addresses(found) : null;
        _serviceReadAt = _time.GetUtcNow();
        if (addresses is not null && (_serviceAddresses is null || !addresses.Select(a => (a.Type, a.Value)).SequenceEqual(_serviceAddresses.Select(a => (a.Type, a.Value)))))
        {
            lock (_gate) { _dirty.UnionWith(_desired.Keys.Where(k => k.Kind == Gateway.KindName)); }
        }
        _serviceAddresses = addresses;
        return true;
    }

    /// <summary>Reads (once per leadership) and writes one object; true when it carries the desired status now (or is gone).</summary>
    private async Task<bool> WriteOneAsync(ObjectStatus desired, CancellationToken cancellationToken)
    {
        var objectRef = desired.Object;
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    if (!_known.TryGetValue(objectRef, out var known))
                    {
                        _known[objectRef] = known = await ReadAsync(objectRef, cancellationToken).ConfigureAwait(false);
                    }
                    var addresses = objectRef.Kind == Gateway.KindName ? _staticAddresses ?? _serviceAddresses : null;
                    if (Plan(desired, known, addresses, _time.GetUtcNow()) is var (status, patch))
                    {
                        _known[objectRef] = await PatchAsync(objectRef, patch, cancellationToken).ConfigureAwait(false);
                        LogWritten(_logger, objectRef.ToString());
                        await _events.RecordAsync(objectRef, GatewayApiGroup.ApiVersion, known.Uid, [.. Refusals(status).OrderBy(f => f.Note, StringComparer.Ordinal)],
                            Refusals(known.Status), cancellationToken).ConfigureAwait(false);
                    }
                    _retries.Remove(objectRef);
                    return true;
                }
                catch (KubeApiException e) when (e.StatusCode == 409 && attempt < 3)
                {
                    // Written by someone else since it was read (an HTTPRoute's other controller): read it again and merge.
                    _known.Remove(objectRef);
                }
            }
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            _known.Remove(objectRef);
            _retries.Remove(objectRef);
            _events.Forget(objectRef);
            return true;
        }
        catch (KubeApiException e) when (e.IsUnreachable)
        {
            _known.Remove(objectRef);
            _retries.Remove(objectRef);
            Requeue(objectRef);
            ServerDown = true;
            LogServerDown(_logger, objectRef.ToString(), e.Message);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or System.Text.Json.JsonException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _known.Remove(objectRef);
            var backoff = _retries.TryGetValue(objectRef, out var previous) ? previous.Backoff : new Backoff(_options.InitialBackoff, _options.MaxBackoff);
            var delay = e is KubeApiException { RetryAfter: { } after } ? after : backoff.Next();
            _retries[objectRef] = (_time.GetUtcNow() + delay, backoff);
            Requeue(objectRef);
            LogWriteFailed(_logger, objectRef.ToString(), delay.TotalSeconds, e.Message);
        }
        return false;
    }

    private void Requeue(ObjectRef objectRef)
    {
        lock (_gate)
        {
            if (_desired.ContainsKey(objectRef)) { _dirty.Add(objectRef); }
        }
    }

    private static bool SameDesired(ObjectStatus a, ObjectStatus b) =>
        a.Generation == b.Generation && a.Conditions.SequenceEqual(b.Conditions)
        && (a.Listeners ?? []).Count == (b.Listeners ?? []).Count
        && (a.Listeners ?? []).Zip(b.Listeners ?? []).All(p => p.First.Name == p.Second.Name && p.First.AttachedRoutes == p.Second.AttachedRoutes
            && p.First.SupportedKinds.SequenceEqual(p.Second.SupportedKinds) && p.First.Conditions.SequenceEqual(p.Second.Conditions))
        && (a.Parents ?? []).Count == (b.Parents ?? []).Count
        && (a.Parents ?? []).Zip(b.Parents ?? []).All(p => p.First.ParentRef == p.Second.ParentRef && p.First.ControllerName == p.Second.ControllerName
            && p.First.Conditions.SequenceEqual(p.Second.Conditions));

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Object}: status written")]
    private static partial void LogWritten(ILogger logger, string @object);

    [LoggerMessage(Level = LogLevel.Warning, Message = "--publish-service {Service}: not read, no Gateway address is published until it is: {Error}")]
    private static partial void LogServiceUnreadable(ILogger logger, string service, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: status write failed, retrying in {Seconds:0.#} s: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string @object, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: status not written, the API server does not answer; every pending Gateway API status is kept and written when it does: {Error}")]
    private static partial void LogServerDown(ILogger logger, string @object, string error);
}
