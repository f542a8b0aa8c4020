using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Kubernetes;
using Konnect.Kubernetes.Watching;
using Konnect.Model;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests.Sources;

/// <summary>
/// The cluster source against the fake API server, over real sockets: ConfigMaps (only those labelled
/// konnect.dev/openapi=true reach the store, selected by the server, and they follow edits, label changes and
/// deletes), and Ingresses with their cluster-scoped IngressClasses.
/// </summary>
public sealed class KubernetesSourceTests : IAsyncLifetime
{
    private static readonly ReflectorOptions QuickRetries = new() { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(200) };
    private FakeKubeApiServer _server = null!;
    private KubeApiClient _client = null!;
    private readonly ResourceStore _store = new();
    private KubernetesSource? _source;

    public async Task InitializeAsync()
    {
        _server = await FakeKubeApiServer.StartAsync();
        _client = new KubeApiClient(_server.CreateClientConfig());
    }

    public async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.StopAsync(CancellationToken.None);
            _source.Dispose();
        }
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConfigMaps_OnlyLabelledOnesReachTheStore_AndFollowEditsLabelsAndDeletes(bool namespaced)
    {
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "orders-openapi", "3.0.3", label: "true"));
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "kube-root-ca.crt", "-", label: null));
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "draft-openapi", "3.1.0", label: "false"));
        _server.Put(ResourceTypes.ConfigMaps, Document("other", "elsewhere-openapi", "3.1.0", label: "true"));
        await StartAsync(namespaced ? ["shop"] : []);

        string[] listed = namespaced ? ["shop/orders-openapi"] : ["other/elsewhere-openapi", "shop/orders-openapi"];
        Assert.Equal(listed, Names());
        Assert.Equal("openapi: 3.0.3", _store.Current.ConfigMaps[Ref("shop", "orders-openapi")].GetText("openapi.yaml"));

        // An edit of a labelled one is seen.
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "orders-openapi", "3.1.0", label: "true"));
        await WaitUntilAsync(s => s.ConfigMaps.TryGetValue(Ref("shop", "orders-openapi"), out var c) && c.GetText("openapi.yaml") == "openapi: 3.1.0",
            "the edited document");

        // Labelled later: it arrives; an unlabelled one's edit never does.
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "draft-openapi", "3.1.1", label: "true"));
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "kube-root-ca.crt", "changed", label: null));
        await WaitUntilAsync(s => s.ConfigMaps.ContainsKey(Ref("shop", "draft-openapi")), "the newly labelled ConfigMap");

        // The label taken off: it goes, as if deleted. Then a labelled one deleted: it goes too.
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "draft-openapi", "3.1.1", label: null));
        await WaitUntilAsync(s => !s.ConfigMaps.ContainsKey(Ref("shop", "draft-openapi")), "the unlabelled ConfigMap to go");
        Assert.True(_server.Delete(ResourceTypes.ConfigMaps, "shop", "orders-openapi"));
        await WaitUntilAsync(s => !s.ConfigMaps.ContainsKey(Ref("shop", "orders-openapi")), "the deleted ConfigMap to go");

        Assert.Equal(namespaced ? [] : ["other/elsewhere-openapi"], Names());
        Assert.DoesNotContain(Ref("shop", "kube-root-ca.crt"), _store.Current.ConfigMaps.Keys);
        // The server selects: every ConfigMap list and watch carries the selector, and no other kind's request does.
        var requests = _server.Requests.Where(r => r.Method == "GET" && r.Path.StartsWith("/api", StringComparison.Ordinal)).ToList();
        Assert.Contains(requests, r => r.Path.EndsWith("/configmaps", StringComparison.Ordinal) && r.Query.Contains("watch=true", StringComparison.Ordinal));
        Assert.All(requests, r => Assert.Equal(r.Path.EndsWith("/configmaps", StringComparison.Ordinal),
            Uri.UnescapeDataString(r.Query).Contains("labelSelector=konnect.dev/openapi=true", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ConfigMaps_NotYetListed_NoSnapshotUntilTheyAre()
    {
        _server.Put(ResourceTypes.ConfigMaps, Document("shop", "orders-openapi", "3.1.0", label: "true"));
        _server.SetResourceAbsent("/api/v1/configmaps");
        _source = new KubernetesSource(_client, _store, new KubernetesSourceOptions { Reflector = QuickRetries }, NullLogger<KubernetesSource>.Instance);
        await _source.StartAsync(CancellationToken.None);
        // Every other kind listed and watching (cert-manager's Certificates, Ingresses, IngressClasses, Namespaces and the
        // five Gateway API kinds included: the fake serves them), and the ConfigMap list refused more than once.
        await Repo.EventuallyAsync(() => Task.FromResult(_server.OpenWatchCount == 15 && _server.CountRequests("GET", "/configmaps") >= 2),
            "the other kinds watched and ConfigMaps refused", 10);

        Assert.False(_source.IsSynced);
        Assert.Equal(0, _store.Revision);

        _server.SetResourceAbsent("/api/v1/configmaps", absent: false);
        await WaitUntilAsync(s => s.ConfigMaps.ContainsKey(Ref("shop", "orders-openapi")), "the first snapshot, with the ConfigMap");
        Assert.True(_source.IsSynced);
    }

    [Fact]
    public async Task IngressClasses_NamespaceFilter_StillListedClusterWideBesideTheNamespacesIngresses()
    {
        _server.Put(ResourceTypes.IngressClasses, new IngressClass { Metadata = new ObjectMeta { Name = "konnect" }, Spec = new IngressClassSpec { Controller = IngressClass.KonnectController } });
        _server.Put(ResourceTypes.Ingresses, new Ingress { Metadata = new ObjectMeta { Namespace = "shop", Name = "web" }, Spec = new IngressSpec { IngressClassName = "konnect" } });
        _server.Put(ResourceTypes.Ingresses, new Ingress { Metadata = new ObjectMeta { Namespace = "other", Name = "elsewhere" } });
        await StartAsync(["shop"]);

        Assert.Equal([new ObjectRef(IngressClass.KindName, "", "konnect")], _store.Current.IngressClasses.Keys);
        Assert.Equal([new ObjectRef(Ingress.KindName, "shop", "web")], _store.Current.Ingresses.Keys);
        // Classes come and go like any kind.
        _server.Put(ResourceTypes.IngressClasses, new IngressClass { Metadata = new ObjectMeta { Name = "late" }, Spec = new IngressClassSpec { Controller = IngressClass.KonnectController } });
        await WaitUntilAsync(s => s.IngressClasses.ContainsKey(new ObjectRef(IngressClass.KindName, "", "late")), "the class created after the start");
        Assert.True(_server.Delete(ResourceTypes.IngressClasses, null, "konnect"));
        await WaitUntilAsync(s => !s.IngressClasses.ContainsKey(new ObjectRef(IngressClass.KindName, "", "konnect")), "the deleted class to go");

        // Ingresses per watched namespace; IngressClasses only at the cluster-wide path, never under a namespace.
        var paths = _server.Requests.Where(r => r.Method == "GET").Select(r => r.Path).ToList();
        Assert.Contains("/apis/networking.k8s.io/v1/namespaces/shop/ingresses", paths);
        Assert.DoesNotContain("/apis/networking.k8s.io/v1/ingresses", paths);
        Assert.Contains("/apis/networking.k8s.io/v1/ingressclasses", paths);
        Assert.DoesNotContain(paths, p => p.Contains("/namespaces/", StringComparison.Ordinal) && p.EndsWith("/ingressclasses", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GatewayApi_CrdsNotInstalled_FirstModelDoesNotWait_ObjectsServedOnceInstalled()
    {
        _server.SetGatewayApiAbsent();
        _server.Put(ResourceTypes.Namespaces, new Namespace { Metadata = new ObjectMeta { Name = "shop", Labels = new() { ["team"] = "a" } } });
        await StartAsync([]);

        Assert.Empty(_store.Current.GatewayClasses);
        Assert.Equal([new ObjectRef(Namespace.KindName, "", "shop")], _store.Current.Namespaces.Keys);

        _server.SetGatewayApiAbsent(false);
        _server.Put(ResourceTypes.GatewayClasses, new GatewayClass { Metadata = new ObjectMeta { Name = "konnect" }, Spec = new GatewayClassSpec { ControllerName = GatewayApiGroup.ControllerName } });
        _server.Put(ResourceTypes.HttpRoutes, new HttpRoute { Metadata = new ObjectMeta { Namespace = "shop", Name = "web" } });
        await WaitUntilAsync(s => s.GatewayClasses.Count == 1 && s.HttpRoutes.Count == 1, "the Gateway API objects once the CRDs are installed");
    }

    [Fact]
    public async Task GatewayApi_Installed_FirstModelWaitsForThem_ClusterScopedKindsListedClusterWide()
    {
        _server.Put(ResourceTypes.GatewayClasses, new GatewayClass { Metadata = new ObjectMeta { Name = "konnect" }, Spec = new GatewayClassSpec { ControllerName = GatewayApiGroup.ControllerName } });
        _server.Put(ResourceTypes.Gateways, new Gateway { Metadata = new ObjectMeta { Namespace = "shop", Name = "gw" } });
        _server.Put(ResourceTypes.Gateways, new Gateway { Metadata = new ObjectMeta { Namespace = "other", Name = "gw" } });
        _server.Put(ResourceTypes.ReferenceGrants, new ReferenceGrant { Metadata = new ObjectMeta { Namespace = "shop", Name = "grant" } });
        _server.Put(ResourceTypes.Namespaces, new Namespace { Metadata = new ObjectMeta { Name = "shop" } });
        await StartAsync(["shop"]);

        // In the first snapshot already: nothing served by an HTTPRoute flaps at start.
        Assert.Equal([new ObjectRef(GatewayClass.KindName, "", "konnect")], _store.Current.GatewayClasses.Keys);
        Assert.Equal([new ObjectRef(Gateway.KindName, "shop", "gw")], _store.Current.Gateways.Keys);
        Assert.Single(_store.Current.ReferenceGrants);
        Assert.Single(_store.Current.Namespaces);
        var paths = _server.Requests.Where(r => r.Method == "GET").Select(r => r.Path).ToList();
        Assert.Contains("/apis/gateway.networking.k8s.io/v1/gatewayclasses", paths);
        Assert.Contains("/api/v1/namespaces", paths);
        Assert.Contains("/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes", paths);
        Assert.Contains("/apis/gateway.networking.k8s.io/v1beta1/namespaces/shop/referencegrants", paths);
        Assert.DoesNotContain("/apis/gateway.networking.k8s.io/v1/gateways", paths);
    }

    private async Task StartAsync(IReadOnlyList<string> namespaces)
    {
        _source = new KubernetesSource(_client, _store, new KubernetesSourceOptions { Namespaces = namespaces, Reflector = QuickRetries },
            NullLogger<KubernetesSource>.Instance);
        await _source.StartAsync(CancellationToken.None);
        await Repo.EventuallyAsync(() => Task.FromResult(_source.IsSynced), "every kind listed", 10);
    }

    private async Task WaitUntilAsync(Func<ResourceSnapshot, bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var revision = _store.Revision;
            if (condition(_store.Current)) { return; }
            try { await _store.WaitForChangeAsync(revision, timeout.Token); }
            catch (OperationCanceledException) { Assert.Fail($"timed out waiting for {what}; the store holds ConfigMaps {string.Join(", ", Names())}"); }
        }
    }

    private string[] Names() => [.. _store.Current.ConfigMaps.Keys.Select(k => $"{k.Namespace}/{k.Name}")];

    private static ObjectRef Ref(string ns, string name) => new("ConfigMap", ns, name);

    private static ConfigMap Document(string ns, string name, string version, string? label) => new()
    {
        Metadata = new ObjectMeta
        {
            Namespace = ns,
            Name = name,
            Labels = label is null ? null : new() { [ConfigMap.OpenApiLabel] = label },
        },
        Data = new() { ["openapi.yaml"] = $"openapi: {version}" },
    };
}
