using System.Diagnostics;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Konnect.Model;

namespace Konnect.Controller;

/// <summary>
/// Runs the pipeline: waits for the store to change, translates the newest snapshot, publishes the model, reports
/// statuses. Changes that arrive while a pass runs coalesce into the next pass. A failing pass keeps the last good
/// model serving and is retried on the next change. Conditions the data plane reports (<paramref name="dataPlane"/>)
/// are laid over every report, and a change to them re-reports the last statuses without retranslating.
/// </summary>
/// <param name="tls">The default certificate's Secret; certificates are judged against <paramref name="time"/> on every full pass.</param>
/// <param name="trimmer">Compacts the heap once the loop has been idle after passes that grew it; null never does.</param>
/// <param name="documents">Fetches the OpenAPI documents routes name by URL; null fetches none.</param>
public sealed partial class Reconciler(ResourceStore store, IConfigPublisher publisher, IStatusSink statuses, ILogger<Reconciler> logger,
    DataPlaneConditions? dataPlane = null, Translation.Tls.TlsTranslationOptions? tls = null, TimeProvider? time = null, HeapTrimmer? trimmer = null,
    Sources.ApiDocumentFetcher? documents = null)
    : BackgroundService
{
    // The fetcher's revision the last full pass used: a new one means a full pass, as documents are not endpoints.
    private long _documentsSeen;
    // The last snapshot translated and its result, for the endpoint fast path. Only the reconcile loop touches it.
    private (ResourceSnapshot Snapshot, TranslationResult Result)? _last;
    // Each policy's last good blocks, kept even when a pass fails (unlike _last): a broken policy keeps enforcing them.
    private IReadOnlyDictionary<ObjectRef, LastGoodPolicy>? _lastGoodPolicies;

    // The last statuses reported, before the data plane's overlay, so an overlay change can be reported alone.
    private IReadOnlyList<ObjectStatus>? _reported;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long seen = 0; // a source publishes its first complete snapshot as revision 1; nothing before that is served
        long overlaySeen = 0;
        var failures = 0;
        DateTimeOffset? trimAt = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (failures == 0 && trimmer?.DueIn() is { } trimIn)
            {
                // One deadline per quiet spell: a data-plane condition that flaps re-reports statuses, and must not
                // push the trim back each time.
                var now = (time ?? TimeProvider.System).GetUtcNow();
                trimAt ??= now + trimIn;
                if (trimAt <= now || !await WaitForChangeAsync(seen, overlaySeen, trimAt.Value - now, stoppingToken).ConfigureAwait(false))
                {
                    trimmer.Trim();
                    trimAt = null;
                    await WaitForChangeAsync(seen, overlaySeen, stoppingToken).ConfigureAwait(false);
                }
            }
            else if (failures == 0)
            {
                await WaitForChangeAsync(seen, overlaySeen, stoppingToken).ConfigureAwait(false);
            }
            else
            {
                // A failed pass is retried on its own, not only when the next change happens to arrive: a quiet
                // cluster would otherwise keep a stale model and stale statuses indefinitely.
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 500 * Math.Pow(2, Math.Min(failures - 1, 6))));
                try { await store.WaitForChangeAsync(seen, stoppingToken).WaitAsync(delay, stoppingToken).ConfigureAwait(false); }
                catch (TimeoutException) { }
            }
            overlaySeen = dataPlane?.Revision ?? 0;
            if (failures == 0 && store.Revision == seen)
            {
                await ReportOverlayChangeAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }
            seen = store.Revision;
            try
            {
                await ReconcileAsync(store.Current, stoppingToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                ControllerMetrics.Failed();
                _last = null; // the next pass translates in full
                LogPassFailed(logger, e);
            }
            trimmer?.AfterPass();
            trimAt = null; // a pass starts the quiet spell again
        }
    }

    /// <summary>One pass; public so tests and `konnect validate` can drive the pipeline without the loop.</summary>
    public async Task<TranslationResult> ReconcileAsync(ResourceSnapshot snapshot, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var previous = _last;
        var documentsRevision = documents?.Revision ?? 0;
        var result = previous is not null && documentsRevision == _documentsSeen && EndpointUpdate.OnlyEndpointsChanged(previous.Value.Snapshot, snapshot)
            ? EndpointUpdate.Apply(previous.Value.Result, snapshot, EndpointUpdate.ChangedServices(previous.Value.Snapshot, snapshot), previous.Value.Snapshot)
            : Translator.Translate(snapshot, _lastGoodPolicies, (tls ?? new()) with { Now = (time ?? TimeProvider.System).GetUtcNow() }, previous?.Result,
                documents?.Documents);
        _documentsSeen = documentsRevision;
        _last = (snapshot, result);
        _lastGoodPolicies = result.LastGoodPolicies;
        var published = await publisher.PublishAsync(result.Model, cancellationToken).ConfigureAwait(false);
        var final = published.Rejected.Count == 0 ? result : result with { Statuses = MarkRejected(result.Statuses, published.Rejected) };
        _reported = final.Statuses;
        await statuses.ReportAsync(dataPlane?.Overlay(final.Statuses) ?? final.Statuses, cancellationToken).ConfigureAwait(false);
        ControllerMetrics.Reported(this, final.Statuses);
        if (published.Applied)
        {
            ControllerMetrics.Applied(Stopwatch.GetElapsedTime(started));
            LogApplied(logger, result.Model.Version, result.Model.Routes.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return final;
    }

    /// <summary>As below, for at most <paramref name="idle"/>; false when nothing changed in that time.</summary>
    private async Task<bool> WaitForChangeAsync(long seen, long overlaySeen, TimeSpan idle, CancellationToken stoppingToken)
    {
        using var timeout = new CancellationTokenSource(idle, time ?? TimeProvider.System);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        try
        {
            await WaitForChangeAsync(seen, overlaySeen, either.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits for a store change or, when the data plane reports conditions, a change to those.</summary>
    private async Task WaitForChangeAsync(long seen, long overlaySeen, CancellationToken stoppingToken)
    {
        if (dataPlane is null)
        {
            await store.WaitForChangeAsync(seen, stoppingToken).ConfigureAwait(false);
            return;
        }
        // The waiter that loses is cancelled, so waiting on both does not pile up continuations on the quiet one.
        using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        await Task.WhenAny(store.WaitForChangeAsync(seen, either.Token), dataPlane.WaitForChangeAsync(overlaySeen, either.Token)).ConfigureAwait(false);
        await either.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
    }

    /// <summary>Only the data plane's conditions changed: the last statuses go out again with them, nothing is retranslated.</summary>
    private async Task ReportOverlayChangeAsync(CancellationToken cancellationToken)
    {
        if (_reported is null || dataPlane is null) { return; }
        try
        {
            await statuses.ReportAsync(dataPlane.Overlay(_reported), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPassFailed(logger, e);
        }
    }

    /// <summary>The data plane refused some rules (a YARP validation error): those routes are not Programmed.</summary>
    private static List<ObjectStatus> MarkRejected(IReadOnlyList<ObjectStatus> statuses, IReadOnlyDictionary<string, string> rejected)
    {
        var byRoute = rejected.GroupBy(r => string.Join('/', r.Key.Split('/').Take(2))).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(r => r.Value)));
        return statuses.Select(s =>
        {
            if (s.Object.Kind is not ("KonnectRoute" or "Ingress") || !byRoute.TryGetValue($"{s.Object.Namespace}/{ModelNames.Of(s.Object)}", out var reason)) { return s; }
            return s with
            {
                Conditions = s.Conditions.Select(c => c.Type != ConditionTypes.Programmed ? c
                    : Conditions.False(ConditionTypes.Programmed, "DataPlaneRejected", reason, s.Generation)).ToArray(),
            };
        }).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied model {Version}: {Rules} rule(s) in {Milliseconds:F1} ms")]
    private static partial void LogApplied(ILogger logger, string version, int rules, double milliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reconcile pass failed; the last good model keeps serving")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
