using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Commands;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Kubernetes;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// Two `konnect run` pods on one (fake) cluster: both serve, exactly one writes status, the other takes over when the
/// leader stops, and nothing is rewritten when nothing changed.
/// </summary>
public sealed class KubernetesStatusTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-status-").FullName;
    private FakeKubeApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync();
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), _api.Url, "konnect-system");
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task TwoInstances_OneLeaderWritesStatus_FailoverRewritesNothing()
    {
        _api.Put(ResourceTypes.KonnectRoutes, Route("good", "http://127.0.0.1:1"));
        _api.Put(ResourceTypes.KonnectRoutes, Route("bad", "ftp://nowhere"));

        var first = await StartAsync();
        var second = await StartAsync();
        try
        {
            try { await Repo.EventuallyAsync(() => Task.FromResult(Condition("good", "Accepted")?.Status == "True" && Condition("bad", "Accepted")?.Status == "False"), "statuses written", 10); }
            catch (TimeoutException) { Assert.Fail($"synced={first.Services.GetRequiredService<Konnect.Controller.Sources.KubernetesSource>().IsSynced} board={first.Services.GetRequiredService<Konnect.Controller.Status.StatusBoard>().Current.Count} sink={first.Services.GetRequiredService<Konnect.Controller.Status.IStatusSink>().GetType().Name}\n" + string.Join("\n", _api.Requests.Where(r => !r.Query.Contains("watch")).Select(r => $"{r.Method} {r.Path}?{r.Query}"))); }
            var leaders = new[] { first, second }.Count(a => a.Services.GetRequiredService<LeaderElector>().IsLeader);
            Assert.Equal(1, leaders);
            Assert.Equal("InvalidBackend", Condition("bad", "Accepted")!.Reason);
            Assert.Equal(1, _api.CountRequests("POST", "/events"));
            var transition = Condition("good", "Accepted")!.LastTransitionTime;

            // Leave time for coalesced writes to settle, then count: nothing changed, so nothing is written.
            await Task.Delay(1000);
            var patches = _api.CountRequests("PATCH", "/status");
            Assert.Equal(2, patches);

            var leader = first.Services.GetRequiredService<LeaderElector>().IsLeader ? first : second;
            var follower = leader == first ? second : first;
            await leader.StopAsync();
            await Repo.EventuallyAsync(() => Task.FromResult(follower.Services.GetRequiredService<LeaderElector>().IsLeader), "failover");
            await Task.Delay(1000);
            Assert.Equal(patches, _api.CountRequests("PATCH", "/status"));
            Assert.Equal(1, _api.CountRequests("POST", "/events"));

            // A change after failover is written by the new leader, once, keeping the unchanged condition's time.
            _api.Put(ResourceTypes.KonnectRoutes, Route("bad", "http://127.0.0.1:2"));
            await Repo.EventuallyAsync(() => Task.FromResult(Condition("bad", "Accepted")?.Status == "True"), "new leader writes");
            Assert.Equal(transition, Condition("good", "Accepted")!.LastTransitionTime);
        }
        finally
        {
            foreach (var app in new[] { first, second })
            {
                try { await app.StopAsync(); } catch (ObjectDisposedException) { }
                await app.DisposeAsync();
            }
        }
    }

    private Condition? Condition(string route, string type) =>
        _api.Get(ResourceTypes.KonnectRoutes, "default", route)?.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    private async Task<WebApplication> StartAsync()
    {
        var app = RunCommand.Build(InProcessKonnect.ClusterModeOptions(Path.Combine(_dir, "kubeconfig")));
        await app.StartAsync();
        return app;
    }

    private static KonnectRoute Route(string name, string url) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new KonnectRouteSpec
        {
            Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = "/" + name } }], Backends = [new RouteBackend { Url = url }] }],
        },
    };
}
