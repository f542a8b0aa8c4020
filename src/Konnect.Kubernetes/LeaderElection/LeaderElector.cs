using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Konnect.Kubernetes.LeaderElection;

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease, following client-go's rules: a candidate takes the lease only
/// when it is free or has not changed for leaseDurationSeconds as measured on the candidate's own clock (so clock skew
/// between pods does not matter); every write is an update with the resourceVersion read, so of two racing candidates
/// exactly one wins and the other gets 409; the leader renews every RetryPeriod and steps down when it has not renewed
/// for RenewDeadline. Every pod serves traffic whatever happens here: only status writing follows <see cref="IsLeader"/>.
/// An API server outage longer than RenewDeadline therefore leaves no leader (nobody could write status anyway, and a
/// leader that cannot renew must not assume it still holds the lease); when the server answers again, every candidate
/// tries at once: the old leader takes its own lease back straight away, another pod only once the lease has gone
/// unrenewed for LeaseDuration on its own clock, and optimistic concurrency leaves exactly one of them leading.
/// Konnect's own loop on KubernetesClient's Lease calls rather than the library's LeaderElector, which cannot hand the
/// lease back on shutdown (a successor then waits out LeaseDuration), reads the wall clock instead of a TimeProvider,
/// and lets one slow renewal attempt outlast RenewDeadline.
/// </summary>
public sealed partial class LeaderElector
{
    private readonly KubeApiClient _client;
    private readonly LeaderElectionOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    // The last Lease we read or wrote and when (on our clock) its spec last changed: the expiry of someone else's
    // lease is counted from that moment, never from their renewTime, which was written with their clock.
    private V1Lease? _observed;
    private DateTimeOffset _observedAt;
    private volatile bool _isLeader;

    public LeaderElector(KubeApiClient client, LeaderElectionOptions options, ILogger<LeaderElector> logger, TimeProvider? time = null)
    {
        options.Validate();
        _client = client;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        LeaderMetrics.Register();
    }

    public string Identity => _options.Identity;

    /// <summary>True while this process holds the lease and has renewed it within RenewDeadline.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>Raised with true when leadership is gained and false when it is lost or released.</summary>
    public event Action<bool>? LeadershipChanged;

    /// <summary>Campaigns, leads and campaigns again after losing, until cancelled; then releases the lease if held.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await AcquireAsync(cancellationToken).ConfigureAwait(false);
                SetLeader(true);
                await RenewUntilLostAsync(cancellationToken).ConfigureAwait(false);
                if (!cancellationToken.IsCancellationRequested)
                {
                    SetLeader(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Clean shutdown: fall through to the release below.
        }
        finally
        {
            if (_isLeader)
            {
                // Stop acting as leader before handing the lease over, so two pods never write status at once.
                SetLeader(false);
                if (_options.ReleaseOnCancel)
                {
                    await ReleaseAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private async Task AcquireAsync(CancellationToken cancellationToken)
    {
        LogCampaigning(_logger, _options.Identity, _options.LeaseNamespace, _options.LeaseName);
        while (!await TryAcquireOrRenewAsync(_options.RenewDeadline, cancellationToken).ConfigureAwait(false))
        {
            if (_client.Probe.IsDown)
            {
                // The API server does not answer: try again the moment it does, so that the status written during an
                // outage (kept by the StatusWriter) goes out within about a second of its return, not a RetryPeriod later.
                // The rules for taking the lease are unchanged: someone else's lease still has to run out on our clock.
                await _client.Probe.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RenewUntilLostAsync(CancellationToken cancellationToken)
    {
        var lastRenew = _time.GetUtcNow();
        while (true)
        {
            await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            // The whole renew loop, not each attempt, is bounded by RenewDeadline (as client-go does): an attempt gets
            // only the time left, and a success counts from when it was sent, so a slow answer cannot stretch our
            // leadership into a successor's term.
            var attemptStarted = _time.GetUtcNow();
            var left = lastRenew + _options.RenewDeadline - attemptStarted;
            if (left > TimeSpan.Zero && await TryAcquireOrRenewAsync(left, cancellationToken).ConfigureAwait(false))
            {
                lastRenew = attemptStarted;
                continue;
            }
            if (_observed?.Spec?.HolderIdentity is { Length: > 0 } holder && holder != _options.Identity)
            {
                // Someone else holds it (we were presumed dead): acting on would make two leaders.
                LogLost(_logger, _options.Identity, $"the lease is now held by {holder}");
                return;
            }
            if (_time.GetUtcNow() - lastRenew >= _options.RenewDeadline)
            {
                LogLost(_logger, _options.Identity, $"no successful renewal for {_options.RenewDeadline.TotalSeconds:0.###} s");
                return;
            }
        }
    }

    /// <summary>One attempt: read the lease, create it, take it over or renew it. False when someone else holds it or the call failed.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        // Bound every attempt: a request hanging on a dead connection must not keep us leader past the deadline.
        using var timeout = new CancellationTokenSource(budget, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await TryAcquireOrRenewCoreAsync(linked.Token).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Another candidate wrote the lease between our read and our write: it won this round.
            LogConflict(_logger, _options.Identity);
            return false;
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or System.Text.Json.JsonException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogAttemptFailed(_logger, _options.LeaseNamespace, _options.LeaseName, e.Message);
            return false;
        }
    }

    private async Task<bool> TryAcquireOrRenewCoreAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        V1Lease current;
        try
        {
            current = await Leases("GET", (leases, ct) => leases.ReadNamespacedLeaseAsync(_options.LeaseName, _options.LeaseNamespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.IsNotFound)
        {
            var created = new V1Lease
            {
                Metadata = new V1ObjectMeta { Name = _options.LeaseName, NamespaceProperty = _options.LeaseNamespace },
                Spec = NewSpec(now, acquireTime: now, transitions: 0),
            };
            // Two candidates creating at once: the second gets 409 AlreadyExists, handled as a lost race.
            Observe(await Leases("POST", (leases, ct) => leases.CreateNamespacedLeaseAsync(created, _options.LeaseNamespace, cancellationToken: ct), cancellationToken).ConfigureAwait(false), now);
            return true;
        }

        Observe(current, now);
        var spec = current.Spec ?? new V1LeaseSpec();
        var ours = spec.HolderIdentity == _options.Identity;
        if (!ours && !string.IsNullOrEmpty(spec.HolderIdentity)
            && _observedAt + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? 0) > now)
        {
            LogHeldByOther(_logger, spec.HolderIdentity);
            return false;
        }

        // Keep acquireTime and the transition count on a renewal; a change of holder counts one transition. The
        // resourceVersion read travels with the write: of two racing candidates, the second gets 409 Conflict.
        var next = new V1Lease
        {
            Metadata = current.Metadata,
            Spec = ours
                ? NewSpec(now, spec.AcquireTime is { } acquired ? Utc(acquired) : now, spec.LeaseTransitions ?? 0)
                : NewSpec(now, now, (spec.LeaseTransitions ?? 0) + 1),
        };
        Observe(await ReplaceAsync(next, cancellationToken).ConfigureAwait(false), now);
        return true;
    }

    private V1LeaseSpec NewSpec(DateTimeOffset now, DateTimeOffset acquireTime, int transitions) => new()
    {
        HolderIdentity = _options.Identity,
        // The Lease stores whole seconds; round up so others never wait less than we asked for.
        LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
        AcquireTime = acquireTime.UtcDateTime,
        RenewTime = now.UtcDateTime,
        LeaseTransitions = transitions,
    };

    private void Observe(V1Lease lease, DateTimeOffset now)
    {
        if (_observed is null || !SameSpec(_observed.Spec, lease.Spec))
        {
            _observedAt = now;
        }
        _observed = lease;
    }

    private static bool SameSpec(V1LeaseSpec? a, V1LeaseSpec? b) =>
        a?.HolderIdentity == b?.HolderIdentity && a?.LeaseDurationSeconds == b?.LeaseDurationSeconds && a?.AcquireTime == b?.AcquireTime
        && a?.RenewTime == b?.RenewTime && a?.LeaseTransitions == b?.LeaseTransitions;

    private Task<V1Lease> ReplaceAsync(V1Lease lease, CancellationToken cancellationToken) =>
        Leases("PUT", (leases, ct) => leases.ReplaceNamespacedLeaseAsync(lease, _options.LeaseName, _options.LeaseNamespace, cancellationToken: ct), cancellationToken);

    private Task<V1Lease> Leases(string verb, Func<ICoordinationV1Operations, CancellationToken, Task<V1Lease>> call, CancellationToken cancellationToken) =>
        _client.CallAsync(verb, $"/apis/coordination.k8s.io/v1/namespaces/{_options.LeaseNamespace}/leases/{_options.LeaseName}",
            ct => call(_client.Kubernetes.CoordinationV1, ct), cancellationToken);

    private static DateTimeOffset Utc(DateTime time) =>
        new(DateTime.SpecifyKind(time, time.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : time.Kind).ToUniversalTime());

    private async Task ReleaseAsync()
    {
        if (_observed is not { } held || held.Spec?.HolderIdentity != _options.Identity)
        {
            return;
        }
        var now = _time.GetUtcNow();
        // What client-go's ReleaseOnCancel writes: no holder and a 1 s duration, so waiting candidates take over
        // on their next retry. Our resourceVersion guards against clearing a lease someone else already took.
        var released = new V1Lease
        {
            Metadata = held.Metadata,
            Spec = new V1LeaseSpec
            {
                HolderIdentity = "",
                LeaseDurationSeconds = 1,
                AcquireTime = now.UtcDateTime,
                RenewTime = now.UtcDateTime,
                LeaseTransitions = held.Spec.LeaseTransitions,
            },
        };
        using var timeout = new CancellationTokenSource(_options.RenewDeadline, _time);
        try
        {
            _observed = await ReplaceAsync(released, timeout.Token).ConfigureAwait(false);
            LogReleased(_logger, _options.Identity, _options.LeaseNamespace, _options.LeaseName);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException or OperationCanceledException)
        {
            // Not fatal: the lease simply expires after LeaseDuration.
            LogReleaseFailed(_logger, _options.LeaseNamespace, _options.LeaseName, e.Message);
        }
    }

    private void SetLeader(bool leader)
    {
        if (_isLeader == leader)
        {
            return;
        }
        _isLeader = leader;
        LeaderMetrics.Changed(leader);
        if (leader)
        {
            LogAcquired(_logger, _options.Identity, _options.LeaseNamespace, _options.LeaseName);
        }
        try
        {
            LeadershipChanged?.Invoke(leader);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogCallbackFailed(_logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} is campaigning for lease {Namespace}/{Name}")]
    private static partial void LogCampaigning(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} became leader (lease {Namespace}/{Name})")]
    private static partial void LogAcquired(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Identity} lost leadership: {Why}")]
    private static partial void LogLost(ILogger logger, string identity, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Identity} released lease {Namespace}/{Name}")]
    private static partial void LogReleased(ILogger logger, string identity, string @namespace, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release lease {Namespace}/{Name}; it will expire on its own: {Error}")]
    private static partial void LogReleaseFailed(ILogger logger, string @namespace, string name, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Lease is held by {Holder}")]
    private static partial void LogHeldByOther(ILogger logger, string holder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Identity} lost a race for the lease (409 Conflict)")]
    private static partial void LogConflict(ILogger logger, string identity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease {Namespace}/{Name}: attempt failed: {Error}")]
    private static partial void LogAttemptFailed(ILogger logger, string @namespace, string name, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "A LeadershipChanged handler threw")]
    private static partial void LogCallbackFailed(ILogger logger, Exception exception);
}
