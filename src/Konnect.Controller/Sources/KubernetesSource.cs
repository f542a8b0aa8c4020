using System.Collections.Immutable;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Store;
using Konnect.Kubernetes;
using Konnect.Kubernetes.Watching;
using WatchEventType = k8s.WatchEventType;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Konnect.Model;

namespace Konnect.Controller.Sources;

public sealed record KubernetesSourceOptions
{
    /// <summary>Namespaces to watch; empty means every namespace (and needs cluster-wide RBAC).</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    public ReflectorOptions Reflector { get; init; } = new();
}

/// <summary>
/// Feeds the <see cref="ResourceStore"/> from a cluster: one <see cref="Reflector{T}"/> per kind (and per namespace when
/// namespaces are given). Nothing reaches the store until every kind has been listed once, so the first model is
/// complete — no route answers 503 for a Service that simply had not been listed yet, and no status flaps. After that,
/// every event updates the store; when the API server is away, the store keeps the last good state.
/// </summary>
public sealed partial class KubernetesSource : BackgroundService, IReflectorObserver
{
    /// <summary>The ConfigMaps the cluster source reads: those labelled konnect.dev/openapi=true.</summary>
    public const string ConfigMapSelector = ConfigMap.OpenApiLabel + "=true";

    private readonly KubeApiClient _client;
    private readonly ResourceStore _store;
    private readonly KubernetesSourceOptions _options;
    private readonly ILogger<KubernetesSource> _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _listed = [];
    private readonly List<Func<CancellationToken, Task>> _reflectors = [];
    // The reflectors the first model waits for; optional kinds (cert-manager's) may be absent from the cluster.
    private readonly HashSet<string> _required = [];
    private readonly HashSet<string> _certificateReflectors = [];
    // Required for the first model unless their list answers 404 (the Gateway API CRDs are not installed): then in _missing.
    private readonly HashSet<string> _gatewayApiReflectors = [];
    private readonly HashSet<string> _missing = [];
    private bool _gatewayApiMissingLogged;
    private ResourceSnapshot _snapshot = ResourceSnapshot.Empty with { FromCluster = true };
    private bool _synced;

    public KubernetesSource(KubeApiClient client, ResourceStore store, KubernetesSourceOptions options, ILogger<KubernetesSource> logger)
    {
        _client = client;
        _store = store;
        _options = options;
        _logger = logger;
        Add(ResourceTypes.KonnectRoutes, s => s.Routes, (s, d) => s with { Routes = d });
        Add(ResourceTypes.KonnectPolicies, s => s.Policies, (s, d) => s with { Policies = d });
        Add(ResourceTypes.KonnectConsumers, s => s.Consumers, (s, d) => s with { Consumers = d });
        Add(ResourceTypes.Services, s => s.Services, (s, d) => s with { Services = d });
        Add(ResourceTypes.EndpointSlices, s => s.EndpointSlices, (s, d) => s with { EndpointSlices = d });
        Add(ResourceTypes.Secrets, s => s.Secrets, (s, d) => s with { Secrets = d });
        // Only the labelled ConfigMaps, filtered by the API server: a cluster holds many ConfigMaps Konnect has no use
        // for (kube-root-ca.crt in every namespace, dashboards and application settings of up to 1 MiB each), and
        // keeping them all would cost memory and a translation pass on each of their edits. Kong labels what it reads
        // for the same reason: credential Secrets carry konghq.com/credential, and Kong Operator watches only Secrets
        // and ConfigMaps labelled konghq.com/secret or konghq.com/configmap=true. Required like Secrets: every cluster
        // serves ConfigMaps, so unlike cert-manager's Certificates the list cannot be missing.
        Add(ResourceTypes.ConfigMaps, s => s.ConfigMaps, (s, d) => s with { ConfigMaps = d }, labelSelector: ConfigMapSelector);
        // Ingress v1: every cluster serves networking.k8s.io/v1, so both are required for the first model, like Services.
        // IngressClasses are cluster-scoped: listed cluster-wide even when --namespace narrows the other kinds (the
        // namespaced RBAC grants them through a ClusterRole for that reason).
        Add(ResourceTypes.Ingresses, s => s.Ingresses, (s, d) => s with { Ingresses = d });
        Add(ResourceTypes.IngressClasses, s => s.IngressClasses, (s, d) => s with { IngressClasses = d }, clusterScoped: true);
        // Not required for the first model: without cert-manager the list answers 404 for as long as it is missing.
        _certificateReflectors.UnionWith(Add(ResourceTypes.Certificates, s => s.Certificates, (s, d) => s with { Certificates = d }, required: false));
        // Namespaces (cluster-scoped, for allowedRoutes selectors): every cluster serves them, so required like Services.
        Add(ResourceTypes.Namespaces, s => s.Namespaces, (s, d) => s with { Namespaces = d }, clusterScoped: true);
        // The Gateway API: its CRDs are the user's to install. The first model waits for each of these to be listed or
        // to answer 404 (CRD not installed), so that where they are installed HTTPRoutes are served from the first model
        // on, and where they are not nothing waits for them; their reflectors keep retrying, and CRDs installed later
        // are served with no restart.
        _gatewayApiReflectors.UnionWith(Add(ResourceTypes.GatewayClasses, s => s.GatewayClasses, (s, d) => s with { GatewayClasses = d }, clusterScoped: true, crdOptional: true));
        _gatewayApiReflectors.UnionWith(Add(ResourceTypes.Gateways, s => s.Gateways, (s, d) => s with { Gateways = d }, crdOptional: true));
        _gatewayApiReflectors.UnionWith(Add(ResourceTypes.HttpRoutes, s => s.HttpRoutes, (s, d) => s with { HttpRoutes = d }, crdOptional: true));
        _gatewayApiReflectors.UnionWith(Add(ResourceTypes.GrpcRoutes, s => s.GrpcRoutes, (s, d) => s with { GrpcRoutes = d }, crdOptional: true));
        _gatewayApiReflectors.UnionWith(Add(ResourceTypes.ReferenceGrants, s => s.ReferenceGrants, (s, d) => s with { ReferenceGrants = d }, crdOptional: true));
    }

    /// <summary>True once every kind has been listed at least once (readiness needs it).</summary>
    public bool IsSynced { get { lock (_gate) { return _synced; } } }

    /// <summary>Watch events seen per resource and type, and restarts per reason, for logs and metrics.</summary>
    public event Action<string, WatchEventType>? EventSeen;
    public event Action<string, string>? WatchRestarted;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_reflectors.Select(run => Task.Run(() => run(stoppingToken), stoppingToken)));

    /// <param name="labelSelector">This kind's own selector, ANDed with <see cref="ReflectorOptions.LabelSelector"/> if
    /// that is set; the other kinds' reflectors never see it.</param>
    /// <param name="clusterScoped">A kind without namespaces: one reflector over the whole cluster whatever
    /// <see cref="KubernetesSourceOptions.Namespaces"/> says.</param>
    /// <param name="crdOptional">The kind's CRD may be missing: its 404s are not logged as failures (the source says it once).</param>
    private List<string> Add<T>(
        ResourceType<T> type,
        Func<ResourceSnapshot, ImmutableSortedDictionary<ObjectRef, T>> get,
        Func<ResourceSnapshot, ImmutableSortedDictionary<ObjectRef, T>, ResourceSnapshot> set,
        bool required = true,
        string? labelSelector = null,
        bool clusterScoped = false,
        bool crdOptional = false)
        where T : class, IKubernetesObject
    {
        var options = labelSelector is null ? _options.Reflector : _options.Reflector with
        {
            LabelSelector = string.IsNullOrEmpty(_options.Reflector.LabelSelector) ? labelSelector : $"{_options.Reflector.LabelSelector},{labelSelector}",
        };
        if (crdOptional) { options = options with { NotFoundExpected = true }; }
        var namespaces = _options.Namespaces.Count == 0 || clusterScoped ? new string?[] { null } : _options.Namespaces.Select(n => (string?)n).ToArray();
        var names = new List<string>();
        foreach (var ns in namespaces)
        {
            // The reflector's own name for itself, as it reports to the observer.
            var name = ns is null ? type.ToString() : $"{type}/{ns}";
            names.Add(name);
            if (required) { _required.Add(name); }
            var handler = new KindHandler<T>(this, ns, get, set);
            var reflector = new Reflector<T>(_client, type, ns, handler, this, options, _logger);
            _reflectors.Add(reflector.RunAsync);
        }
        return names;
    }

    private void Apply(Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        lock (_gate)
        {
            _snapshot = change(_snapshot);
            if (_synced) { _store.Replace(_snapshot); }
        }
    }

    void IReflectorObserver.Listed(string resource, int count)
    {
        lock (_gate)
        {
            _listed.Add(resource);
            if (_certificateReflectors.Contains(resource))
            {
                _snapshot = _snapshot with { CertManagerMissing = false, CertificatesListed = _certificateReflectors.IsSubsetOf(_listed) };
                if (_synced) { _store.Replace(_snapshot); }
            }
            if (_missing.Remove(resource) && _gatewayApiReflectors.Contains(resource) && _gatewayApiMissingLogged && _missing.Count == 0)
            {
                _gatewayApiMissingLogged = false;
                LogGatewayApiInstalled(_logger);
            }
            SyncIfComplete();
        }
    }

    /// <summary>Under _gate: the first model goes out once every required kind is listed or, for the Gateway API, known missing.</summary>
    private void SyncIfComplete()
    {
        if (!_synced && _required.All(r => _listed.Contains(r) || _missing.Contains(r)))
        {
            _synced = true;
            _store.Replace(_snapshot);
        }
    }

    void IReflectorObserver.Event(string resource, WatchEventType type) => EventSeen?.Invoke(resource, type);

    void IReflectorObserver.Restarted(string resource, string reason, TimeSpan delay)
    {
        if (_certificateReflectors.Contains(resource) && reason == "404")
        {
            // No certificates.cert-manager.io here: say so once; the reflector keeps retrying in case it is installed.
            Apply(s => s.CertManagerMissing ? s : s with { CertManagerMissing = true });
        }
        if (_gatewayApiReflectors.Contains(resource) && reason == "404")
        {
            lock (_gate)
            {
                // Listed before, then gone (the CRDs were deleted): what was listed stays until they return, as for an outage.
                if (!_listed.Contains(resource)) { _missing.Add(resource); }
                if (!_gatewayApiMissingLogged)
                {
                    _gatewayApiMissingLogged = true;
                    LogGatewayApiMissing(_logger, resource);
                }
                SyncIfComplete();
            }
        }
        WatchRestarted?.Invoke(resource, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The Gateway API CRDs are not installed ({Resource} answers 404): running without GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes and ReferenceGrants; they will be served when the CRDs are installed, with no restart")]
    private static partial void LogGatewayApiMissing(ILogger logger, string resource);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Gateway API CRDs are installed now: serving GatewayClasses, Gateways, HTTPRoutes, GRPCRoutes and ReferenceGrants")]
    private static partial void LogGatewayApiInstalled(ILogger logger);

    /// <summary>Applies one kind's list and events to the source's snapshot, within one namespace when filtered.</summary>
    private sealed class KindHandler<T>(
        KubernetesSource source,
        string? ns,
        Func<ResourceSnapshot, ImmutableSortedDictionary<ObjectRef, T>> get,
        Func<ResourceSnapshot, ImmutableSortedDictionary<ObjectRef, T>, ResourceSnapshot> set) : IReflectorHandler<T>
        where T : class, IKubernetesObject
    {
        public void Replace(IReadOnlyList<T> items) => source.Apply(s =>
        {
            var current = get(s);
            var builder = (ns is null ? current.Clear() : current.RemoveRange(current.Keys.Where(k => k.Namespace == ns))).ToBuilder();
            foreach (var item in items) { builder[ObjectRef.Of(item)] = StoredForm.Of(item); }
            return set(s, builder.ToImmutable());
        });

        // An event that changed only a Konnect object's status leaves the snapshot as it is: no translation pass.
        public void Upsert(T item) => source.Apply(s => get(s).GetValueOrDefault(ObjectRef.Of(item)) is { } stored && StatusOnlyChange.Between(stored, item)
            ? s
            : set(s, get(s).SetItem(ObjectRef.Of(item), StoredForm.Of(item))));

        public void Delete(T item) => source.Apply(s => set(s, get(s).Remove(ObjectRef.Of(item))));
    }
}
