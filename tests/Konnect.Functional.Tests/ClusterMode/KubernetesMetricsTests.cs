using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Commands;
using Konnect.Gateway;
using Konnect.Kubernetes;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Konnect.Testing.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// The cluster-mode metrics against the fake API server: watch events, a 410 relist counted as a restart, the leader
/// gauge. These instruments are process-wide and other tests in this process watch too, so the test asserts what its
/// own actions add, not absolute values.
/// </summary>
public sealed class KubernetesMetricsTests : IAsyncLifetime
{
    private const string RouteAdded = "konnect_watch_events_total{kind=\"KonnectRoute\",type=\"ADDED\"}";
    private const string RouteGone = "konnect_watch_restarts_total{kind=\"KonnectRoute\",reason=\"Gone\"}";
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-kube-metrics-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private FakeKubeApiServer _api = null!;
    private WebApplication _konnect = null!;
    private int _admin;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), _api.Url, "default");
        _konnect = RunCommand.Build(new RunOptions(null, ["http://127.0.0.1:0"], ["http://127.0.0.1:0"]) { Kubeconfig = Path.Combine(_dir, "kubeconfig") });
        await _konnect.StartAsync();
        _admin = _konnect.Services.GetRequiredService<GatewayListeners>().AdminEndPoints[0].Port;
    }

    public async Task DisposeAsync()
    {
        await _konnect.StopAsync();
        await _konnect.DisposeAsync();
        await _api.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<Scrape> ScrapeAsync() => new(await _http.GetStringAsync($"http://127.0.0.1:{_admin}/metrics"));

    [Fact]
    public async Task ClusterMode_WatchEventsRelistAndLeader_Counted()
    {
        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{_admin}/readyz")).IsSuccessStatusCode, "konnect ready");
        var before = await ScrapeAsync();

        PutRoute("/first");
        await Repo.EventuallyAsync(async () => (await ScrapeAsync())[RouteAdded] >= (before[RouteAdded] ?? 0) + 1, "an ADDED event counted");

        // The same sequence as the outage test: the watch resumes from a compacted version and gets 410 Gone.
        _api.SetAvailable(false);
        _api.DropWatches();
        PutRoute("/second");
        _api.CompactHistory();
        _api.SetAvailable(true);
        await Repo.EventuallyAsync(async () => (await ScrapeAsync())[RouteGone] >= (before[RouteGone] ?? 0) + 1, "a 410 relist counted");

        await Repo.EventuallyAsync(async () => (await ScrapeAsync())["konnect_leader"] == 1, "leader gauge at 1");
        await Repo.EventuallyAsync(async () => (await ScrapeAsync())["konnect_objects{kind=\"KonnectRoute\",state=\"accepted\"}"] >= 1,
            "the accepted route counted in konnect_objects");
    }

    private void PutRoute(string prefix) => _api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
    {
        Metadata = new ObjectMeta { Name = "metrics", Namespace = "default" },
        Spec = new KonnectRouteSpec
        {
            Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = prefix } }], Backends = [new RouteBackend { Url = "http://127.0.0.1:9" }] }],
        },
    });
}
