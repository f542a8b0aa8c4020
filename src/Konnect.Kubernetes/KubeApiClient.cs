using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using IKubernetesObject = Konnect.Api.Kubernetes.IKubernetesObject;
using k8s.Models;
using Konnect.Api.Json;
using Konnect.Api.Kubernetes;
using Konnect.Kubernetes.Config;

namespace Konnect.Kubernetes;

/// <summary>One watch event. For a bookmark only <c>Object.Metadata.ResourceVersion</c> is meaningful.</summary>
public sealed record WatchEvent<T>(WatchEventType Type, T Object) where T : class, IKubernetesObject;

/// <summary>
/// The calls Konnect makes on the API server, on KubernetesClient: the library configures the connection (TLS, client
/// certificates, tokens and their refresh), addresses the resources and streams watches; this class reads its answers
/// into Konnect's records and its failures into <see cref="KubeApiException"/>. Typed library calls (Leases, Events)
/// go through <see cref="Kubernetes"/> and <see cref="CallAsync{TResult}"/>. Thread-safe.
/// </summary>
public sealed class KubeApiClient : IDisposable
{
    private readonly KubeApiClientOptions _options;
    private readonly KubeApiCall _call;

    /// <param name="handlers">Outermost first; each sees every request after its credentials are attached (tests inject faults).</param>
    public KubeApiClient(KubeConfig config, KubeApiClientOptions? options = null, params DelegatingHandler[] handlers)
    {
        _options = options ?? new KubeApiClientOptions();
        config.Client.UserAgent = _options.UserAgent;
        config.Client.HttpClientTimeout = _options.RequestTimeout;
        try
        {
            Kubernetes = new k8s.Kubernetes(config.Client, [.. handlers, new ResponseBuffering()]);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or k8s.Exceptions.KubeConfigException or IOException or FormatException)
        {
            // Client certificates and CA bundles are loaded here; the exception names the format problem, never the key.
            throw new KubeConfigException($"The Kubernetes client configuration from {config.Source} does not load: {e.Message}", e);
        }
        _call = new KubeApiCall(config.Server, _options.RequestTimeout, _options.TimeProvider);
        Probe = new ApiServerProbe(ct => CallAsync("GET", "/version", c => Kubernetes.Version.GetCodeAsync(c), ct),
            _options.ProbeInterval, _options.ProbeTimeout, _options.TimeProvider);
    }

    /// <summary>Whether the API server answers; fed by every call made here, and probing while it does not.</summary>
    public ApiServerProbe Probe { get; }

    /// <summary>The library's client, for its typed calls; wrap them in <see cref="CallAsync{TResult}"/>.</summary>
    public IKubernetes Kubernetes { get; }

    /// <summary>GET of one object; an empty <paramref name="ns"/> reads a cluster-scoped kind (a GatewayClass).</summary>
    public Task<T> GetAsync<T>(ResourceType<T> type, string ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        CallAsync("GET", ObjectPath(type, ns, name), async ct =>
        {
            using var response = string.IsNullOrEmpty(ns)
                ? await Kubernetes.CustomObjects.GetClusterCustomObjectWithHttpMessagesAsync<JsonElement>(
                    type.Group, type.Version, type.Plural, name, cancellationToken: ct).ConfigureAwait(false)
                : await Kubernetes.CustomObjects.GetNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
                    type.Group, type.Version, ns, type.Plural, name, cancellationToken: ct).ConfigureAwait(false);
            return ResourceType<T>.Decode(response.Body, type.TypeInfo);
        }, cancellationToken);

    /// <summary>GET of the status subresource: the whole object, read with the get verb on PLURAL/status only (empty <paramref name="ns"/>: cluster-scoped).</summary>
    public Task<T> GetStatusAsync<T>(ResourceType<T> type, string ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        CallAsync("GET", ObjectPath(type, ns, name) + "/status", async ct =>
        {
            using var response = string.IsNullOrEmpty(ns)
                ? await Kubernetes.CustomObjects.GetClusterCustomObjectStatusWithHttpMessagesAsync<JsonElement>(
                    type.Group, type.Version, type.Plural, name, cancellationToken: ct).ConfigureAwait(false)
                : await Kubernetes.CustomObjects.GetNamespacedCustomObjectStatusWithHttpMessagesAsync<JsonElement>(
                    type.Group, type.Version, ns, type.Plural, name, cancellationToken: ct).ConfigureAwait(false);
            return ResourceType<T>.Decode(response.Body, type.TypeInfo);
        }, cancellationToken);

    /// <summary>One page of a list; pass <see cref="ListOptions.Continue"/> from the previous page for the next.</summary>
    public Task<ObjectList<T>> ListAsync<T>(ResourceType<T> type, string? ns, ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        CallAsync("LIST", CollectionPath(type, ns), ct => type.ListAsync(Kubernetes, ns, options, ct), cancellationToken);

    public Task<T> CreateAsync<T>(ResourceType<T> type, string ns, T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        CallAsync("POST", CollectionPath(type, ns), async ct =>
        {
            // Written by Konnect's own JSON (the library's would not know the API types' conventions), handed over as JSON.
            var body = JsonSerializer.SerializeToNode(obj, type.TypeInfo);
            using var response = await Kubernetes.CustomObjects.CreateNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
                body!, type.Group, type.Version, ns, type.Plural, cancellationToken: ct).ConfigureAwait(false);
            return ResourceType<T>.Decode(response.Body, type.TypeInfo);
        }, cancellationToken);

    /// <summary>JSON merge patch (RFC 7386) of the object itself (spec, metadata); lists in the patch replace lists whole.</summary>
    public Task<T> PatchAsync<T>(ResourceType<T> type, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        CallAsync("PATCH", ObjectPath(type, ns, name), async ct =>
        {
            using var response = await Kubernetes.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(
                MergePatch(mergePatch), type.Group, type.Version, ns, type.Plural, name, cancellationToken: ct).ConfigureAwait(false);
            return ResourceType<T>.Decode(response.Body, type.TypeInfo);
        }, cancellationToken);

    /// <summary>
    /// JSON merge patch (RFC 7386) of the status subresource; never touches spec. Empty <paramref name="ns"/>: a
    /// cluster-scoped kind. A metadata.resourceVersion in the patch is a precondition: the server answers 409 Conflict
    /// when the object has changed since.
    /// </summary>
    public Task<T> PatchStatusAsync<T>(ResourceType<T> type, string ns, string name, JsonObject mergePatch, CancellationToken cancellationToken)
        where T : class, IKubernetesObject =>
        CallAsync("PATCH", ObjectPath(type, ns, name) + "/status", async ct =>
        {
            using var response = string.IsNullOrEmpty(ns)
                ? await Kubernetes.CustomObjects.PatchClusterCustomObjectStatusWithHttpMessagesAsync<JsonElement>(
                    MergePatch(mergePatch), type.Group, type.Version, type.Plural, name, cancellationToken: ct).ConfigureAwait(false)
                : await Kubernetes.CustomObjects.PatchNamespacedCustomObjectStatusWithHttpMessagesAsync<JsonElement>(
                    MergePatch(mergePatch), type.Group, type.Version, ns, type.Plural, name, cancellationToken: ct).ConfigureAwait(false);
            return ResourceType<T>.Decode(response.Body, type.TypeInfo);
        }, cancellationToken);

    /// <summary>An events.k8s.io/v1 Event, what `kubectl describe` and `kubectl events` show.</summary>
    public Task CreateEventAsync(Eventsv1Event ev, CancellationToken cancellationToken) =>
        CallAsync("POST", $"/apis/events.k8s.io/v1/namespaces/{ev.Metadata.NamespaceProperty}/events",
            ct => Kubernetes.EventsV1.CreateNamespacedEventAsync(ev, ev.Metadata.NamespaceProperty, cancellationToken: ct), cancellationToken);

    /// <summary>
    /// Streams events from <see cref="WatchOptions.ResourceVersion"/> until the server ends the stream (timeoutSeconds)
    /// or the token is cancelled. An ERROR event throws its Status (410 Expired: relist); a stream cut mid-way, a line
    /// that does not decode, or a server silent past timeoutSeconds plus <see cref="KubeApiClientOptions.WatchGrace"/>
    /// (a half-open connection) throws with StatusCode 0, after the last good event and never past a bad one.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(ResourceType<T> type, string? ns, WatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var path = CollectionPath(type, ns);
        using var watchdog = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.TimeoutSeconds is > 0 and var seconds)
        {
            watchdog.CancelAfter(TimeSpan.FromSeconds(seconds) + _options.WatchGrace);
        }
        Exception? failure = null;
        // The library reports an ERROR event or an undecodable line and reads on: stop at once, so that no event after
        // a lost one is applied.
        void OnError(Exception e)
        {
            failure ??= e;
            watchdog.Cancel();
        }

        var events = type.WatchAsync(Kubernetes, ns, options, OnError, watchdog.Token).GetAsyncEnumerator(watchdog.Token);
        var delivered = false;
        try
        {
            while (true)
            {
                (WatchEventType Type, T Object) current;
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false)) { break; }
                    current = events.Current;
                    Probe.MarkAnswered();
                }
                catch (HttpRequestException e) when (!delivered && e.InnerException is EndOfStreamException)
                {
                    // The library peeks at the first line before it hands the stream over, and reports a stream that
                    // ended before any line this way: the server closed a watch that had nothing to say within its
                    // timeoutSeconds, the normal end of a quiet watch, not a failure.
                    break;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    var mapped = WatchFailure(failure ?? e, path, timedOut: failure is null && watchdog.IsCancellationRequested);
                    Probe.Observe(mapped);
                    throw mapped;
                }
                if (failure is not null) { break; }
                delivered = true;
                yield return new WatchEvent<T>(current.Type, current.Object);
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
        if (failure is not null && !cancellationToken.IsCancellationRequested)
        {
            var mapped = WatchFailure(failure, path, timedOut: false);
            Probe.Observe(mapped);
            throw mapped;
        }
    }

    /// <summary>Runs a library call, turning what it throws into a <see cref="KubeApiException"/> that names the call.</summary>
    public async Task<TResult> CallAsync<TResult>(string verb, string path, Func<CancellationToken, Task<TResult>> call, CancellationToken cancellationToken)
    {
        TResult result;
        try
        {
            result = await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (KubeApiErrors.Map(e, verb, path, _call, cancellationToken) is { } mapped)
        {
            Probe.Observe(mapped);
            if (ReferenceEquals(mapped, e)) { throw; }
            throw mapped;
        }
        Probe.MarkAnswered();
        return result;
    }

    public void Dispose()
    {
        Probe.Dispose();
        Kubernetes.Dispose();
    }

    private KubeApiException WatchFailure(Exception e, string path, bool timedOut) => e switch
    {
        _ when timedOut => KubeApiErrors.StreamDropped(path, "the server kept it open past timeoutSeconds without a word; the connection is probably dead", e),
        JsonException => KubeApiErrors.InvalidResponse("WATCH", path, $"a watch event does not decode: {e.Message}", e),
        HttpRequestException { InnerException: IOException } or IOException => KubeApiErrors.StreamDropped(path, e.Message, e),
        _ => KubeApiErrors.Map(e, "WATCH", path, _call, CancellationToken.None) ?? KubeApiErrors.StreamDropped(path, e.Message, e),
    };

    private static V1Patch MergePatch(JsonObject patch) =>
        new(patch.ToJsonString(KonnectJsonContext.Default.Options), V1Patch.PatchType.MergePatch);

    internal static string CollectionPath<T>(ResourceType<T> type, string? ns) where T : class, IKubernetesObject =>
        string.IsNullOrEmpty(ns) ? $"{type.GroupPath}/{type.Plural}" : $"{type.GroupPath}/namespaces/{ns}/{type.Plural}";

    internal static string ObjectPath<T>(ResourceType<T> type, string ns, string name) where T : class, IKubernetesObject =>
        $"{CollectionPath(type, ns)}/{name}";
}
