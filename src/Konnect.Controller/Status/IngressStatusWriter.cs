using System.Text.Json.Nodes;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Translation.Ingresses;
using Konnect.Kubernetes;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Kubernetes.Watching;
using Konnect.Model;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Status;

/// <summary>
/// What the leader writes on Konnect's Ingresses: the gateway's address in status.loadBalancer.ingress (from
/// <see cref="IngressPublishOptions"/>), and one Warning Event per distinct refusal of the Ingress or of one of the routes
/// it became (Accepted or ResolvedRefs False), with a log line. Beside <see cref="StatusWriter"/> in the fan-out rather
/// than inside it: an Ingress carries no conditions (its status is the address alone), its refusals come from several
/// statuses (the whole Ingress's and each host's), and its address may come from a Service read on the side, so a
/// per-kind adapter in StatusWriter would have bent that writer's condition model for one kind. The loop keeps
/// StatusWriter's rules: only the leader writes, an object is read before its first write and written only when its
/// address differs, a burst of reports is coalesced, and while the API server does not answer the newest desired state
/// of each Ingress waits (nothing is dropped) until the client's probe hears from it again.
/// </summary>
/// <remarks>
/// An Ingress has no condition to remember a refusal by, so unlike StatusWriter a newly elected leader records each
/// standing refusal once more (one Event per problem per leadership).
/// </remarks>
public sealed partial class IngressStatusWriter : StatusWriteLoop, IStatusSink
{
    private readonly KubeApiClient _client;
    private readonly Func<bool> _isLeader;
    private readonly IngressPublishOptions _publish;
    private readonly StatusWriterOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // Shared with ReportAsync, under _gate: the refusals of each Konnect Ingress (its key: kind Ingress, no ':' in the name).
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectRef, IReadOnlyList<Refusal>> _desired = [];
    private readonly HashSet<ObjectRef> _dirty = [];

    // Owned by the write loop.
    private readonly Dictionary<ObjectRef, (List<IngressLoadBalancerIngress> Addresses, string? Uid)> _known = [];
    private readonly Dictionary<ObjectRef, (DateTimeOffset At, Backoff Backoff)> _retries = [];
    private readonly RefusalEvents _events;
    private readonly List<IngressLoadBalancerIngress>? _staticAddresses;
    // The Service's addresses as last read (null: not read, or unreadable: then no address is written).
    private List<IngressLoadBalancerIngress>? _serviceAddresses;
    private DateTimeOffset _serviceReadAt = DateTimeOffset.MinValue;

    public IngressStatusWriter(KubeApiClient client, Func<bool> isLeader, IngressPublishOptions publish, StatusWriterOptions options,
        ILogger<IngressStatusWriter> logger, TimeProvider? time = null)
        : base(client, options.FlushDelay, time ?? TimeProvider.System)
    {
        _client = client;
        _isLeader = isLeader;
        _publish = publish;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _events = new RefusalEvents(client, options, _time, logger, "refused");
        _staticAddresses = publish.Addresses.Count > 0 ? IngressAddresses.FromAddresses(publish.Addresses) : null;
    }

    /// <summary>Follows <paramref name="elector"/>: writes only while it leads, and catches up as soon as it is elected.</summary>
    public IngressStatusWriter(KubeApiClient client, LeaderElector elector, IngressPublishOptions publish, StatusWriterOptions options,
        ILogger<IngressStatusWriter> logger, TimeProvider? time = null)
        : this(client, () => elector.IsLeader, publish, options with { ReportingInstance = elector.Identity }, logger, time)
    {
        elector.LeadershipChanged += OnLeadershipChanged;
    }

    public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
    {
        var reported = new Dictionary<ObjectRef, List<Refusal>>();
        foreach (var status in statuses)
        {
            if (status.Object.Kind != Ingress.KindName) { continue; }
            var part = IngressParts.IngressOf(status.Object);
            var list = reported.TryGetValue(part ?? status.Object, out var l) ? l : reported[part ?? status.Object] = [];
            foreach (var c in status.Conditions)
            {
                if (c.Type is not (ConditionTypes.Accepted or ConditionTypes.ResolvedRefs) || c.Status != "False") { continue; }
                var host = part is null ? null : status.Object.Name[(status.Object.Name.IndexOf(':', StringComparison.Ordinal) + 1)..];
                var note = host is null ? c.Message : $"{(host == IngressParts.AnyHost ? "rules without a host" : host)}: {c.Reason}: {c.Message}";
                if (!list.Contains(new Refusal(c.Reason, note))) { list.Add(new Refusal(c.Reason, note)); }
            }
        }
        lock (_gate)
        {
            foreach (var (ingress, refusals) in reported)
            {
                if (!_desired.TryGetValue(ingress, out var old) || !old.SequenceEqual(refusals)) { _dirty.Add(ingress); }
                _desired[ingress] = refusals;
            }
            // Ingresses no longer reported were deleted, or are no longer Konnect's: nothing more to write on them.
            foreach (var gone in _desired.Keys.Where(k => !reported.ContainsKey(k)).ToList())
            {
                _desired.Remove(gone);
                _dirty.Remove(gone);
            }
        }
        Wake();
        return ValueTask.CompletedTask;
    }

    /// <summary>The next retry, or the next read of the published Service while any Ingress needs its addresses.</summary>
    protected override DateTimeOffset NextDue()
    {
        var due = _retries.Count == 0 ? DateTimeOffset.MaxValue : _retries.Values.Min(r => r.At);
        bool anyDesired;
        lock (_gate) { anyDesired = _desired.Count > 0; }
        if (_publish.FromService && anyDesired && _isLeader())
        {
            var refresh = _serviceReadAt + _publish.ServiceRefresh;
            if (refresh < due) { due = refresh; }
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
        List<(ObjectRef Ref, IReadOnlyList<Refusal> Refusals)> work;
        bool anyDesired;
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
            anyDesired = _desired.Count > 0;
            work = Due();
        }
        if (_publish.FromService && anyDesired && (work.Count > 0 || _time.GetUtcNow() >= _serviceReadAt + _publish.ServiceRefresh))
        {
            if (!await ReadServiceAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var (r, _) in work) { Requeue(r); }
                return;
            }
            // The Service's addresses changed: every Ingress is due, not only those already taken.
            var taken = work.Select(w => w.Ref).ToHashSet();
            lock (_gate) { work.AddRange(Due().Where(d => !taken.Contains(d.Item1))); }
        }
        foreach (var (objectRef, refusals) in work)
        {
            if (!_isLeader()) { Requeue(objectRef); Resync = true; return; }
            if (ServerDown) { Requeue(objectRef); continue; }
            await WriteOneAsync(objectRef, refusals, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The dirty Ingresses whose retry (if any) is due, taken off the dirty set. Under _gate.</summary>
    private List<(ObjectRef, IReadOnlyList<Refusal>)> Due()
    {
        var now = _time.GetUtcNow();
        List<(ObjectRef, IReadOnlyList<Refusal>)> due = [.. _dirty.Where(r => !_retries.TryGetValue(r, out var retry) || retry.At <= now).Select(r => (r, _desired[r]))];
        foreach (var (r, _) in due) { _dirty.Remove(r); }
        return due;
    }

    /// <summary>Reads the --publish-service Service; a change of its addresses makes every Ingress due. False: the server is down.</summary>
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
        var addresses = read.Addresses;
        _serviceReadAt = _time.GetUtcNow();
        if (addresses is not null && (_serviceAddresses is null || !IngressAddresses.Same(addresses, _serviceAddresses)))
        {
            lock (_gate) { _dirty.UnionWith(_desired.Keys); }
        }
        _serviceAddresses = addresses;
        return true;
    }

    private async Task WriteOneAsync(ObjectRef objectRef, IReadOnlyList<Refusal> refusals, CancellationToken cancellationToken)
    {
        try
        {
            if (!_known.TryGetValue(objectRef, out var known))
            {
                var read = await _client.GetStatusAsync(ResourceTypes.Ingresses, objectRef.Namespace, objectRef.Name, cancellationToken).ConfigureAwait(false);
                _known[objectRef] = known = (IngressAddresses.Of(read), read.Metadata.Uid);
            }
            var addresses = _staticAddresses ?? _serviceAddresses;
            if (addresses is not null && !IngressAddresses.Same(addresses, known.Addresses))
            {
                var written = await _client.PatchStatusAsync(ResourceTypes.Ingresses, objectRef.Namespace, objectRef.Name, Patch(addresses), cancellationToken)
                    .ConfigureAwait(false);
                _known[objectRef] = known = (IngressAddresses.Of(written), written.Metadata.Uid);
                LogWritten(_logger, objectRef.ToString(), string.Join(", ", addresses.Select(a => a.Ip ?? a.Hostname)));
            }
            _retries.Remove(objectRef);
            await _events.RecordAsync(objectRef, Ingress.GroupVersion, known.Uid, refusals, null, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            _known.Remove(objectRef);
            _retries.Remove(objectRef);
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
    }

    /// <summary>status.loadBalancer.ingress as a merge patch: the list is replaced whole; empty removes it.</summary>
    private static JsonObject Patch(List<IngressLoadBalancerIngress> addresses) => new()
    {
        ["status"] = new JsonObject
        {
            ["loadBalancer"] = new JsonObject
            {
                ["ingress"] = addresses.Count == 0 ? null : new JsonArray([.. addresses.Select(a => (JsonNode)(a.Ip is { } ip ? new JsonObject { ["ip"] = ip } : new JsonObject { ["hostname"] = a.Hostname }))]),
            },
        },
    };

    private void Requeue(ObjectRef objectRef)
    {
        lock (_gate)
        {
            if (_desired.ContainsKey(objectRef)) { _dirty.Add(objectRef); }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Object}: status.loadBalancer written: {Addresses}")]
    private static partial void LogWritten(ILogger logger, string @object, string addresses);

    [LoggerMessage(Level = LogLevel.Warning, Message = "--publish-service {Service}: not read, no address is published until it is: {Error}")]
    private static partial void LogServiceUnreadable(ILogger logger, string service, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: status write failed, retrying in {Seconds:0.#} s: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string @object, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: not read or written, the API server does not answer; every pending Ingress status is kept and written when it does: {Error}")]
    private static partial void LogServerDown(ILogger logger, string @object, string error);
}
