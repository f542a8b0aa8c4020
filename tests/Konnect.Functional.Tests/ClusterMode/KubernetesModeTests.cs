using System.Net;
using Konnect.Api;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Commands;
using Konnect.Gateway;
using Konnect.Kubernetes;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// `konnect run --kubeconfig` against the fake API server (real list/watch over a socket), with real Kestrel backends:
/// what a user applies with kubectl is served, changed, removed; endpoints move traffic; an outage or a 410 loses nothing.
/// </summary>
public sealed class KubernetesModeTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-kube-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<WebApplication> _backends = [];
    private FakeKubeApiServer _api = null!;
    private WebApplication _konnect = null!;
    private int _traffic;
    private int _admin;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) });
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), _api.Url, "default");
        (_konnect, _traffic, _admin) = await StartKonnectAsync();
    }

    private async Task<(WebApplication App, int Traffic, int Admin)> StartKonnectAsync(params string[] namespaces)
    {
        var app = RunCommand.Build(new RunOptions(null, ["http://127.0.0.1:0"], ["http://127.0.0.1:0"])
        {
            Kubeconfig = Path.Combine(_dir, "kubeconfig"),
            Namespaces = namespaces,
        });
        await app.StartAsync();
        var listeners = app.Services.GetRequiredService<GatewayListeners>();
        return (app, listeners.TrafficEndPoints[0].Port, listeners.AdminEndPoints[0].Port);
    }

    public async Task DisposeAsync()
    {
        await _konnect.StopAsync();
        await _konnect.DisposeAsync();
        foreach (var backend in _backends) { await backend.DisposeAsync(); }
        await _api.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Route_CreatedChangedDeleted_ServedThenChangedThenGone()
    {
        var a = await StartBackendAsync("a");
        PutService("orders", a);
        PutRoute("orders", "/v1");
        await EventuallyServedAsync("/v1/x", "a");

        PutRoute("orders", "/v2");
        await EventuallyServedAsync("/v2/x", "a");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(Traffic("/v1/x"))).StatusCode);

        _api.Delete(ResourceTypes.KonnectRoutes, "default", "orders");
        await Repo.EventuallyAsync(async () => (await _http.GetAsync(Traffic("/v2/x"))).StatusCode == HttpStatusCode.NotFound, "route deleted");
    }

    [Fact]
    public async Task EndpointSlices_Replaced_TrafficMovesToNewEndpoints()
    {
        var a = await StartBackendAsync("a");
        var b = await StartBackendAsync("b");
        PutService("orders", a);
        PutRoute("orders", "/orders");
        await EventuallyServedAsync("/orders", "a");

        _api.Put(ResourceTypes.EndpointSlices, Slice("orders", "orders-b", b));
        _api.Delete(ResourceTypes.EndpointSlices, "default", "orders-a");

        // Between the two events the gateway briefly serves both slices, so one "b" answer does not yet mean the
        // deletion was applied: wait for a run of answers from b only, then require every later answer to be b.
        await Repo.EventuallyAsync(async () =>
        {
            for (var i = 0; i < 10; i++) { if (await _http.GetStringAsync(Traffic("/orders")) != "b") { return false; } }
            return true;
        }, "only b serves /orders");
        for (var i = 0; i < 20; i++) { Assert.Equal("b", await _http.GetStringAsync(Traffic("/orders"))); }
    }

    [Fact]
    public async Task ApiServerDown10Seconds_TrafficUnaffected_ResyncsAfter()
    {
        var a = await StartBackendAsync("a");
        PutService("orders", a);
        PutRoute("orders", "/orders");
        await EventuallyServedAsync("/orders", "a");

        await _api.StopAsync();
        var until = DateTime.UtcNow.AddSeconds(10);
        var served = 0;
        while (DateTime.UtcNow < until)
        {
            Assert.Equal("a", await _http.GetStringAsync(Traffic("/orders")));
            Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(Admin("/readyz"))).StatusCode);
            served++;
            await Task.Delay(20);
        }
        await _api.RestartAsync();
        PutRoute("later", "/later");

        await EventuallyServedAsync("/later", "a");
        Assert.True(served > 50, $"requests during the outage: {served}");
    }

    [Fact]
    public async Task WatchExpired_WhileDisconnected_RelistsAndLosesNoUpdate()
    {
        var a = await StartBackendAsync("a");
        PutService("orders", a);
        PutRoute("orders", "/before");
        await EventuallyServedAsync("/before", "a");
        var lists = ListRequests();

        _api.SetAvailable(false);
        _api.DropWatches();
        PutRoute("orders", "/after");
        _api.CompactHistory();
        _api.SetAvailable(true);

        await EventuallyServedAsync("/after", "a");
        Assert.True(ListRequests() > lists, "a 410 Gone must be followed by a fresh list of KonnectRoutes: " + string.Join("\n", _api.Requests.Where(r => r.Path.Contains("konnectroutes", StringComparison.Ordinal)).Select(r => $"{r.Method} {r.Path}?{r.Query}")));
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(Traffic("/before"))).StatusCode);
    }

    [Fact]
    public async Task Readyz_ApiServerUnreachableAtStart_503UntilEveryKindListed()
    {
        var a = await StartBackendAsync("a");
        PutService("orders", a);
        PutRoute("orders", "/orders");
        _api.SetAvailable(false);
        var (second, traffic, admin) = await StartKonnectAsync();
        await using var _ = second;

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _http.GetAsync($"http://127.0.0.1:{admin}/readyz")).StatusCode);
            await Task.Delay(50);
        }
        _api.SetAvailable(true);

        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{admin}/readyz")).IsSuccessStatusCode, "ready after the lists");
        Assert.Equal("a", await _http.GetStringAsync($"http://127.0.0.1:{traffic}/orders"));
        await second.StopAsync();
    }

    [Fact]
    public async Task NamespaceFilter_RouteOutsideWatchedNamespaces_NotServed()
    {
        var a = await StartBackendAsync("a");
        PutService("orders", a);
        PutRoute("orders", "/orders");
        await EventuallyServedAsync("/orders", "a"); // the all-namespaces instance has listed; what follows is the new one's
        _api.ClearRequests();
        var (second, traffic, _) = await StartKonnectAsync("team-b");
        await using var _ = second;
        _api.Put(ResourceTypes.Services, new Service { Metadata = new ObjectMeta { Name = "orders", Namespace = "team-b" }, Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] } });
        _api.Put(ResourceTypes.EndpointSlices, Slice("orders", "orders-a", a) with { Metadata = new ObjectMeta { Name = "orders-a", Namespace = "team-b", Labels = new() { [EndpointSlice.ServiceNameLabel] = "orders" } } });
        _api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
        {
            Metadata = new ObjectMeta { Name = "b", Namespace = "team-b" },
            Spec = new KonnectRouteSpec { Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = "/b" } }], Backends = [new RouteBackend { Service = "orders", Port = new IntOrString(80) }] }] },
        });

        await Repo.EventuallyAsync(async () => (await _http.GetAsync($"http://127.0.0.1:{traffic}/b")).IsSuccessStatusCode, "team-b route served");
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"http://127.0.0.1:{traffic}/orders")).StatusCode);
        Assert.All(_api.Requests.Where(r => r.Path.EndsWith("/konnectroutes", StringComparison.Ordinal) && r.Path.Contains("/namespaces/", StringComparison.Ordinal) is false && r.Authorization is not null && r.Query.Contains("limit", StringComparison.Ordinal)),
            r => Assert.Fail("a namespaced Konnect must not list cluster-wide: " + r.Path));
        await second.StopAsync();
    }

    private int ListRequests() => _api.Requests.Count(r => r.Method == "GET" && r.Path.EndsWith("/konnectroutes", StringComparison.Ordinal) && !r.Query.Contains("watch", StringComparison.Ordinal));

    private string Traffic(string path) => $"http://127.0.0.1:{_traffic}{path}";

    private string Admin(string path) => $"http://127.0.0.1:{_admin}{path}";

    private Task EventuallyServedAsync(string path, string backend) => Repo.EventuallyAsync(async () =>
    {
        using var response = await _http.GetAsync(Traffic(path));
        return response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync() == backend;
    }, $"{path} served by {backend}");

    private void PutRoute(string name, string prefix) => _api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new KonnectRouteSpec
        {
            Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = prefix } }], Backends = [new RouteBackend { Service = "orders", Port = new IntOrString("http") }] }],
        },
    });

    private void PutService(string name, int port)
    {
        _api.Put(ResourceTypes.Services, new Service
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "default" },
            Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] },
        });
        _api.Put(ResourceTypes.EndpointSlices, Slice(name, $"{name}-a", port));
    }

    private static EndpointSlice Slice(string service, string name, int port) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Labels = new() { [EndpointSlice.ServiceNameLabel] = service } },
        AddressType = "IPv4",
        Ports = [new EndpointPort { Name = "http", Port = port }],
        Endpoints = [new Konnect.Api.Kubernetes.Endpoint { Addresses = ["127.0.0.1"], Conditions = new EndpointConditions { Ready = true } }],
    };

    /// <summary>A real Kestrel upstream that answers its own name.</summary>
    private async Task<int> StartBackendAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync(name));
        await app.StartAsync();
        _backends.Add(app);
        return new Uri(app.Urls.First()).Port;
    }
}
