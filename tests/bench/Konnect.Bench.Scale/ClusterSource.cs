using Konnect.Testing.Kubernetes;

namespace Konnect.Bench.Scale;

/// <summary>
/// Cluster mode: the gateway lists and watches the fake Kubernetes API server (a real HTTP server on loopback) through
/// a kubeconfig, as it would a cluster; a change is a PUT that the fake turns into a watch event, as kubectl apply would.
/// </summary>
public sealed class ClusterSource : IScaleSource
{
    private const string Routes = "/apis/konnect.dev/v1alpha1/konnectroutes";
    private const string Services = "/api/v1/services";
    private const string Slices = "/apis/discovery.k8s.io/v1/endpointslices";
    private readonly string _root = Directory.CreateTempSubdirectory("konnect-scale-kube-").FullName;
    private FakeKubeApiServer? _api;

    public bool WritesStatus => true;
    public string Name => "cluster";
    public IReadOnlyList<string> KonnectArguments => ["--kubeconfig", Path.Combine(_root, "kubeconfig")];

    public async Task LoadAsync(RouteSet set)
    {
        _api = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(10) }).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(_root, "kubeconfig"), $$"""
            apiVersion: v1
            kind: Config
            clusters: [{ name: fake, cluster: { server: "{{_api.Url.ToString().TrimEnd('/')}}" } }]
            users: [{ name: konnect, user: { token: bench-token } }]
            contexts: [{ name: fake, context: { cluster: fake, user: konnect, namespace: default } }]
            current-context: fake
            """).ConfigureAwait(false);
        for (var route = 0; route < set.Count; route++)
        {
            _api.Put(Services, set.Service(route));
            _api.Put(Slices, set.Slice(route));
            _api.Put(Routes, set.Route(route));
        }
    }

    public Task<DateTime> WriteRouteAsync(RouteSet set, int route) => PutAsync(Routes, set.Route(route));
    public Task<DateTime> WriteSliceAsync(RouteSet set, int route) => PutAsync(Slices, set.Slice(route));

    private Task<DateTime> PutAsync(string collection, System.Text.Json.Nodes.JsonObject obj)
    {
        Api.Put(collection, obj);
        return Task.FromResult(DateTime.UtcNow);
    }

    private FakeKubeApiServer Api => _api ?? throw new InvalidOperationException("LoadAsync first");

    public async ValueTask DisposeAsync()
    {
        if (_api is not null) { await _api.DisposeAsync().ConfigureAwait(false); }
        Directory.Delete(_root, recursive: true);
    }
}
