using System.Threading.Channels;
using Konnect.Api.CertManager;
using Konnect.Controller.Store;
using Konnect.Kubernetes;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Kubernetes.Watching;
using Microsoft.Extensions.Logging;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>
/// Drives cert-manager for routes with spec.tls.issuerRef: the leader creates, and keeps matching the route, one
/// Certificate per route (konnect-ROUTE, controlled by the route so the garbage collector deletes it with the route).
/// Every replica mirrors the Certificate's Ready condition into the route's CertificateReady condition through
/// <see cref="DataPlaneConditions"/>; only the leader's StatusWriter writes it. When cert-manager is not installed the
/// condition says so and nothing else changes.
/// </summary>
public sealed partial class CertificateWriter
{
    private readonly KubeApiClient _client;
    private readonly ResourceStore _store;
    private readonly DataPlaneConditions _conditions;
    private readonly Func<bool> _isLeader;
    private readonly ILogger _logger;
    private readonly Backoff _backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly HashSet<ObjectRef> _conditioned = [];

    public CertificateWriter(KubeApiClient client, ResourceStore store, DataPlaneConditions conditions, Func<bool> isLeader, ILogger<CertificateWriter> logger)
    {
        _client = client;
        _store = store;
        _conditions = conditions;
        _isLeader = isLeader;
        _logger = logger;
    }

    /// <summary>Follows <paramref name="elector"/>: writes only while it leads, and catches up as soon as it is elected.</summary>
    public CertificateWriter(KubeApiClient client, ResourceStore store, DataPlaneConditions conditions, LeaderElector elector, ILogger<CertificateWriter> logger)
        : this(client, store, conditions, () => elector.IsLeader, logger)
    {
        elector.LeadershipChanged += _ => _wake.Writer.TryWrite(true);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var seen = _store.Revision;
            var failed = false;
            try
            {
                failed = !await ReconcileAsync(_store.Current, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            if (!failed) { _backoff.Reset(); }
            using var next = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var waits = new List<Task>
            {
                _store.WaitForChangeAsync(seen, next.Token),
                _wake.Reader.WaitToReadAsync(next.Token).AsTask(),
            };
            if (failed) { waits.Add(Task.Delay(_backoff.Next(), next.Token)); }
            await Task.WhenAny(waits).ConfigureAwait(false);
            _wake.Reader.TryRead(out _);
            await next.CancelAsync().ConfigureAwait(false);
            // Observe the cancelled waits so none goes unobserved.
            try { await Task.WhenAll(waits).ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>One pass over every route; false when a write failed and a retry is due.</summary>
    private async Task<bool> ReconcileAsync(ResourceSnapshot snapshot, CancellationToken cancellationToken)
    {
        // Before Certificates are listed (or known to be absent) an existing one looks missing: writing then would
        // create what is there, or create one where cert-manager is not installed.
        if (snapshot.FromCluster && !snapshot.CertManagerMissing && !snapshot.CertificatesListed) { return true; }
        var ok = true;
        var conditioned = new HashSet<ObjectRef>();
        foreach (var route in snapshot.Routes.Values)
        {
            if (CertificatePlanner.Plan(route) is not { } plan) { continue; }
            conditioned.Add(plan.Route);
            if (plan.Problem is { } problem) { _conditions.Set(plan.Route, problem); continue; }
            if (snapshot.CertManagerMissing) { _conditions.Set(plan.Route, CertificatePlanner.CertManagerMissing()); continue; }
            snapshot.Certificates.TryGetValue(plan.CertificateRef, out var existing);
            if (existing is not null && !CertificatePlanner.OwnedBy(existing, route))
            {
                _conditions.Set(plan.Route, CertificatePlanner.NotOwned(plan.CertificateRef.Name));
                continue;
            }
            _conditions.Set(plan.Route, CertificatePlanner.Mirror(existing, plan.CertificateRef.Name));
            if (_isLeader() && (existing is null || !CertificatePlanner.Matches(existing, plan.Desired!) || existing.Metadata.OwnerReferences?.Count != 1))
            {
                ok &= await WriteAsync(plan, existing, cancellationToken).ConfigureAwait(false);
            }
        }
        foreach (var gone in _conditioned.Where(r => !conditioned.Contains(r)).ToList())
        {
            _conditions.Clear(gone, CertificatePlanner.ConditionType);
        }
        _conditioned.Clear();
        _conditioned.UnionWith(conditioned);
        return ok;
    }

    private async Task<bool> WriteAsync(CertificatePlan plan, Certificate? existing, CancellationToken cancellationToken)
    {
        var desired = plan.Desired!;
        try
        {
            if (existing is null)
            {
                await _client.CreateAsync(ResourceTypes.Certificates, plan.CertificateRef.Namespace, desired, cancellationToken).ConfigureAwait(false);
                LogCreated(_logger, plan.CertificateRef.Namespace, plan.CertificateRef.Name, plan.Route.Name);
            }
            else
            {
                await _client.PatchAsync(ResourceTypes.Certificates, plan.CertificateRef.Namespace, plan.CertificateRef.Name,
                    CertificatePlanner.SpecPatch(desired), cancellationToken).ConfigureAwait(false);
                LogUpdated(_logger, plan.CertificateRef.Namespace, plan.CertificateRef.Name, plan.Route.Name);
            }
            return true;
        }
        catch (KubeApiException e) when (e.IsConflict)
        {
            // Created meanwhile (another leader, or our watch lags): the watch brings it and the next pass compares.
            return true;
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogWriteFailed(_logger, plan.CertificateRef.Namespace, plan.CertificateRef.Name, e.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created Certificate {Namespace}/{Name} for KonnectRoute {Route}")]
    private static partial void LogCreated(ILogger logger, string @namespace, string name, string route);

    [LoggerMessage(Level = LogLevel.Information, Message = "Updated Certificate {Namespace}/{Name} for KonnectRoute {Route}")]
    private static partial void LogUpdated(ILogger logger, string @namespace, string name, string route);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Certificate {Namespace}/{Name}: write failed, retrying: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string @namespace, string name, string error);
}
