using k8s;
using IKubernetesObject = Konnect.Api.Kubernetes.IKubernetesObject;
using Konnect.Api.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Konnect.Kubernetes.Watching;

/// <summary>
/// Keeps a handler in step with one kind on the API server: list (in pages), then watch from the list's
/// resourceVersion, following bookmarks. A watch the server ends is resumed from the last version seen; 410 Gone
/// (the version was compacted away) means relist; an API server that does not answer is waited for through the
/// client's <see cref="ApiServerProbe"/>; an error answer backs off with jitter (Retry-After honoured). The handler
/// keeps the last good state throughout: nothing is cleared until a new complete list replaces it.
/// </summary>
public sealed partial class Reflector<T>(
    KubeApiClient client,
    ResourceType<T> type,
    string? ns,
    IReflectorHandler<T> handler,
    IReflectorObserver observer,
    ReflectorOptions options,
    ILogger logger,
    TimeProvider? time = null)
    where T : class, IKubernetesObject
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Backoff _backoff = new(options.InitialBackoff, options.MaxBackoff);
    private readonly string _name = ns is null ? type.ToString() : $"{type}/{ns}";

    // The newest version seen, kept outside the watch call: a stream that drops mid-way must resume from the last
    // event it delivered, or a relist-free resume would replay (or, after compaction, lose) events.
    private string? _version;

    // True from a 410 relist until the next watch event: a second 410 before any event backs off.
    private bool _relistedSinceEvent;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _version = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_version is null)
                {
                    // The backoff is reset only by a watch event, not by a list: a list whose version has already
                    // expired when the watch starts would otherwise relist back to back, a storm on the API server.
                    _version = await ListAsync(cancellationToken).ConfigureAwait(false);
                }
                await WatchAsync(_version, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubeApiException e) when (e.IsGone)
            {
                // The server no longer has history from our version: only a fresh list is correct now.
                _version = null;
                var delay = _relistedSinceEvent ? _backoff.Next() : TimeSpan.Zero;
                _relistedSinceEvent = true;
                observer.Restarted(_name, "Gone", delay);
                WatchMetrics.Restarted(type.Kind, "Gone");
                LogRelist(logger, _name);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (e.IsUnreachable)
            {
                // Nothing answers: no backoff to wait out, since a request that reaches no server cannot load one. The
                // client's probe asks about once a second for everyone, and this resumes (watching from the last
                // version seen, so whatever changed meanwhile arrives as events) as soon as the server answers.
                observer.Restarted(_name, "Unreachable", client.Probe.Interval);
                WatchMetrics.Restarted(type.Kind, "Unreachable");
                LogUnreachable(logger, _name, client.Probe.Interval.TotalSeconds, e.Message);
                var waited = _time.GetTimestamp();
                await client.Probe.WaitUntilAnsweringAsync(cancellationToken).ConfigureAwait(false);
                LogAnswering(logger, _name, _time.GetElapsedTime(waited).TotalSeconds);
            }
            catch (Exception e) // whatever went wrong, the reflector must outlive it: the store keeps the last good state
            {
                var delay = e is KubeApiException { RetryAfter: { } after } ? after : _backoff.Next();
                var reason = e is KubeApiException k ? (k.StatusCode == 0 ? "Unreachable" : k.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)) : e.GetType().Name;
                observer.Restarted(_name, reason, delay);
                WatchMetrics.Restarted(type.Kind, reason);
                if (options.NotFoundExpected && e is KubeApiException { IsNotFound: true })
                {
                    // A kind whose CRD may not be installed: the observer says so once, not every retry.
                    LogNotServed(logger, _name, delay.TotalSeconds);
                }
                else
                {
                    LogRetry(logger, _name, delay.TotalSeconds, e.Message);
                }
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? next = null;
        string? version;
        do
        {
            var page = await client.ListAsync(type, ns, new ListOptions
            {
                Limit = options.PageSize,
                Continue = next,
                LabelSelector = options.LabelSelector,
                FieldSelector = options.FieldSelector,
            }, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            next = page.Metadata.Continue is { Length: > 0 } c ? c : null;
            version = page.Metadata.ResourceVersion;
        }
        while (next is not null);

        // List items carry no kind on the wire; the API types default it, so downstream code can still name them.
        handler.Replace(items);
        observer.Listed(_name, items.Count);
        LogListed(logger, _name, items.Count, version ?? "");
        return version ?? "";
    }

    /// <summary>Watches until the server ends the stream, moving <see cref="_version"/> with every event.</summary>
    private async Task WatchAsync(string version, CancellationToken cancellationToken)
    {
        var timeout = (int)(options.WatchTimeout.TotalSeconds * (0.5 + Random.Shared.NextDouble()));
        var watch = new WatchOptions
        {
            ResourceVersion = version,
            AllowWatchBookmarks = true,
            TimeoutSeconds = Math.Max(1, timeout),
            LabelSelector = options.LabelSelector,
            FieldSelector = options.FieldSelector,
        };
        await foreach (var e in client.WatchAsync(type, ns, watch, cancellationToken).ConfigureAwait(false))
        {
            _backoff.Reset();
            _relistedSinceEvent = false;
            if (e.Object.Metadata.ResourceVersion is { Length: > 0 } seen) { _version = seen; }
            observer.Event(_name, e.Type);
            WatchMetrics.Event(type.Kind, e.Type);
            switch (e.Type)
            {
                case WatchEventType.Added or WatchEventType.Modified:
                    handler.Upsert(e.Object);
                    break;
                case WatchEventType.Deleted:
                    handler.Delete(e.Object);
                    break;
                default:
                    break; // a bookmark only moves the version forward
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Resource}: {Count} object(s) at resourceVersion {Version}")]
    private static partial void LogListed(ILogger logger, string resource, int count, string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Resource} expired (410 Gone); relisting")]
    private static partial void LogRelist(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Resource}: the API server does not answer; serving the last good state, probing every {Seconds:0.#} s: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string resource, double seconds, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch of {Resource}: the API server answers again after {Seconds:0.#} s; resuming")]
    private static partial void LogAnswering(ILogger logger, string resource, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} is not served (404: its CRD is not installed); looking again in {Seconds:F1}s")]
    private static partial void LogNotServed(ILogger logger, string resource, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch of {Resource} failed; retrying in {Seconds:F1}s, serving the last good state meanwhile: {Error}")]
    private static partial void LogRetry(ILogger logger, string resource, double seconds, string error);
}
