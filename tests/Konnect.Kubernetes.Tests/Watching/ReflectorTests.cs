using System.Diagnostics;
using k8s;
using Konnect.Api.Kubernetes;
using Konnect.Kubernetes.Watching;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;
using static Konnect.Kubernetes.Tests.KubeApiClientTests;

namespace Konnect.Kubernetes.Tests.Watching;

/// <summary>The reflector against the fake API server going down and coming back on the same port.</summary>
public sealed class ReflectorTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;
    private KubeApiClient _client = null!;
    private readonly ServiceHandler _handler = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public async Task InitializeAsync()
    {
        // A port outside the ephemeral range: nothing else can take it while the server is down.
        _server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { Port = TestPorts.Free(), BookmarkInterval = TimeSpan.FromSeconds(1) });
        _client = new KubeApiClient(_server.CreateClientConfig());
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null) { await _run.WaitAsync(TimeSpan.FromSeconds(5)); }
        _stop.Dispose();
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private void Start(ReflectorOptions? options = null)
    {
        var reflector = new Reflector<Service>(_client, ResourceTypes.Services, null, _handler, _handler, options ?? new ReflectorOptions(),
            NullLogger.Instance);
        _run = reflector.RunAsync(_stop.Token);
    }

    [Fact]
    public async Task RunAsync_ApiServerDown_ListsWithinAProbeIntervalOfItAnswering_NotAfterItsBackoff()
    {
        _server.Put(ResourceTypes.Services, NewService("shop", "orders"));
        await _server.StopAsync();
        // 30 s is where the default backoff (200 ms, doubling) stands after about a minute of failures; set it there
        // directly instead of waiting that minute. A reflector that backs off from a server that does not answer
        // would now sleep 15 to 30 s.
        Start(new ReflectorOptions { InitialBackoff = TimeSpan.FromSeconds(30), MaxBackoff = TimeSpan.FromSeconds(30) });
        await Repo.EventuallyAsync(() => Task.FromResult(_handler.Restarts.Contains("Unreachable")), "the first list failed", 10);

        await _server.RestartAsync();
        var back = Stopwatch.StartNew();
        await Repo.EventuallyAsync(() => Task.FromResult(_handler.Names.Contains("shop/orders")), "listed after the server's return", 10);

        // The probe pauses at most 1 s; the rest is one list on a loaded machine.
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2.5), $"listed {back.Elapsed.TotalSeconds:0.00} s after the server answered again");
    }

    [Fact]
    public async Task RunAsync_ChangesWhileApiServerDown_ArriveAsEventsFromTheLastVersion()
    {
        _server.Put(ResourceTypes.Services, NewService("shop", "kept"));
        _server.Put(ResourceTypes.Services, NewService("shop", "doomed"));
        _server.Put(ResourceTypes.Services, NewService("shop", "changed"));
        Start();
        await Repo.EventuallyAsync(() => Task.FromResult(_handler.Names.Count == 3 && _server.OpenWatchCount == 1), "listed and watching", 10);
        var lists = _server.CountRequests("GET", "/services") - _server.Requests.Count(r => r.Query.Contains("watch=true", StringComparison.Ordinal));

        await _server.StopAsync();
        await Repo.EventuallyAsync(() => Task.FromResult(_handler.Restarts.Contains("Unreachable")), "the reflector noticed", 10);
        _server.Put(ResourceTypes.Services, NewService("shop", "created"));
        _server.Delete(ResourceTypes.Services, "shop", "doomed");
        _server.Put(ResourceTypes.Services, NewService("shop", "changed") with { Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 8080 }] } });
        await _server.RestartAsync();
        var back = Stopwatch.StartNew();

        await Repo.EventuallyAsync(() => Task.FromResult(_handler.Port("shop/changed") == 8080), "every change applied", 10);
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2.5), $"caught up {back.Elapsed.TotalSeconds:0.00} s after the server answered again");
        Assert.Equal(["shop/changed", "shop/created", "shop/kept"], _handler.Names.Order());
        // Resumed from the last version seen: the changes came as events, with no second list.
        var listsAfter = _server.CountRequests("GET", "/services") - _server.Requests.Count(r => r.Query.Contains("watch=true", StringComparison.Ordinal));
        Assert.Equal(lists, listsAfter);
    }

    /// <summary>The reflector's view of Services, and the reasons it restarted.</summary>
    private sealed class ServiceHandler : IReflectorHandler<Service>, IReflectorObserver
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, Service> _items = [];
        private readonly List<string> _restarts = [];

        public IReadOnlyList<string> Names { get { lock (_gate) { return [.. _items.Keys]; } } }
        public IReadOnlyList<string> Restarts { get { lock (_gate) { return [.. _restarts]; } } }
        public int? Port(string key) { lock (_gate) { return _items.GetValueOrDefault(key)?.Spec?.Ports?[0].Port; } }

        public void Replace(IReadOnlyList<Service> items)
        {
            lock (_gate)
            {
                _items.Clear();
                foreach (var item in items) { _items[Key(item)] = item; }
            }
        }

        public void Upsert(Service item) { lock (_gate) { _items[Key(item)] = item; } }
        public void Delete(Service item) { lock (_gate) { _items.Remove(Key(item)); } }
        public void Listed(string resource, int count) { }
        public void Event(string resource, WatchEventType type) { }
        public void Restarted(string resource, string reason, TimeSpan delay) { lock (_gate) { _restarts.Add(reason); } }

        private static string Key(Service s) => $"{s.Metadata.Namespace}/{s.Metadata.Name}";
    }
}
