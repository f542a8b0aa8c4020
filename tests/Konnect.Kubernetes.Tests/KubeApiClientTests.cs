using System.Text.Json.Nodes;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Testing.Kubernetes;

namespace Konnect.Kubernetes.Tests;

public sealed class KubeApiClientTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;
    private KubeApiClient _client = null!;
    private static readonly CancellationToken None = CancellationToken.None;

    public async Task InitializeAsync()
    {
        _server = await FakeKubeApiServer.StartAsync();
        _client = new KubeApiClient(_server.CreateClientConfig("test-token"));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    internal static Service NewService(string ns, string name, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Namespace = ns, Name = name, Labels = labels },
        Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] },
    };

    internal static KonnectRoute NewRoute(string ns, string name, string host) => new()
    {
        Metadata = new ObjectMeta { Namespace = ns, Name = name },
        Spec = new KonnectRouteSpec { Hosts = [host] },
    };

    [Fact]
    public async Task GetAsync_ExistingObject_ReturnsItWithServerFields()
    {
        _server.Put(ResourceTypes.Services, NewService("shop", "orders"));

        var service = await _client.GetAsync(ResourceTypes.Services, "shop", "orders", None);

        Assert.Equal("orders", service.Metadata.Name);
        Assert.Equal(80, service.Spec.Ports![0].Port);
        Assert.False(string.IsNullOrEmpty(service.Metadata.Uid));
        Assert.Equal(1, service.Metadata.Generation);
        Assert.NotNull(service.Metadata.CreationTimestamp);
        Assert.Equal("GET", _server.Requests[^1].Method);
        Assert.Equal("/api/v1/namespaces/shop/services/orders", _server.Requests[^1].Path);
    }

    [Fact]
    public async Task GetAsync_Missing_ThrowsNotFound()
    {
        var error = await Assert.ThrowsAsync<KubeApiException>(() => _client.GetAsync(ResourceTypes.KonnectRoutes, "shop", "nope", None));

        Assert.True(error.IsNotFound);
        Assert.Equal("NotFound", error.Reason);
        Assert.Contains("konnectroutes.konnect.dev \"nope\" not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_LimitAndContinue_ReturnsThreePagesInKeyOrder()
    {
        for (var i = 0; i < 7; i++)
        {
            _server.Put(ResourceTypes.Services, NewService(i % 2 == 0 ? "a" : "b", $"svc-{i}"));
        }
        var names = new List<string>();
        var pages = 0;
        string? token = null;
        string? listVersion = null;
        do
        {
            var page = await _client.ListAsync(ResourceTypes.Services, null, new ListOptions { Limit = 3, Continue = token }, None);
            pages++;
            names.AddRange(page.Items.Select(s => $"{s.Metadata.Namespace}/{s.Metadata.Name}"));
            listVersion ??= page.Metadata.ResourceVersion;
            Assert.Equal(listVersion, page.Metadata.ResourceVersion);
            token = page.Metadata.Continue;
        }
        while (!string.IsNullOrEmpty(token));

        Assert.Equal(3, pages);
        Assert.Equal(["a/svc-0", "a/svc-2", "a/svc-4", "a/svc-6", "b/svc-1", "b/svc-3", "b/svc-5"], names);
        Assert.Equal(_server.ResourceVersion, listVersion);
        // The continue token already pins the snapshot; the real server rejects resourceVersion(Match) alongside it.
        Assert.All(_server.Requests.Where(r => r.Query.Contains("continue=", StringComparison.Ordinal)),
            r => Assert.DoesNotContain("resourceVersion", r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListAsync_NamespaceAndLabelSelector_ReturnsOnlyMatches()
    {
        _server.Put(ResourceTypes.Services, NewService("a", "one", new() { ["app"] = "web" }));
        _server.Put(ResourceTypes.Services, NewService("a", "two", new() { ["app"] = "db" }));
        _server.Put(ResourceTypes.Services, NewService("b", "three", new() { ["app"] = "web" }));

        var list = await _client.ListAsync(ResourceTypes.Services, "a", new ListOptions { LabelSelector = "app=web", ResourceVersion = "0" }, None);

        Assert.Equal(["one"], list.Items.Select(s => s.Metadata.Name));
        Assert.Contains("resourceVersionMatch=NotOlderThan", _server.Requests[^1].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_Duplicate_ThrowsConflictAlreadyExists()
    {
        var created = await _client.CreateAsync(ResourceTypes.KonnectRoutes, "shop", NewRoute("shop", "orders", "a.example.com"), None);
        Assert.Equal(KonnectRoute.KindName, created.Kind);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _client.CreateAsync(ResourceTypes.KonnectRoutes, "shop", NewRoute("shop", "orders", "b.example.com"), None));

        Assert.True(error.IsConflict);
        Assert.Equal("AlreadyExists", error.Reason);
    }

    [Fact]
    public async Task PatchStatusAsync_MergePatch_ChangesStatusOnlyAndBumpsResourceVersion()
    {
        var route = _server.Put(ResourceTypes.KonnectRoutes, NewRoute("shop", "orders", "a.example.com"));
        var patch = new JsonObject
        {
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Accepted", ["status"] = "True", ["reason"] = "Accepted", ["message"] = "", ["observedGeneration"] = 1 }) },
            ["spec"] = new JsonObject { ["hosts"] = new JsonArray("evil.example.com") },
        };

        var patched = await _client.PatchStatusAsync(ResourceTypes.KonnectRoutes, "shop", "orders", patch, None);

        Assert.Equal("Accepted", patched.Status!.Conditions![0].Type);
        Assert.Equal(["a.example.com"], patched.Spec.Hosts!);
        Assert.Equal(route.Metadata.Generation, patched.Metadata.Generation);
        Assert.True(long.Parse(patched.Metadata.ResourceVersion!) > long.Parse(route.Metadata.ResourceVersion!));
        Assert.Equal(1, _server.CountRequests("PATCH", "/status"));

        var again = await _client.PatchStatusAsync(ResourceTypes.KonnectRoutes, "shop", "orders", patch, None);
        Assert.Equal(patched.Metadata.ResourceVersion, again.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task PatchAsync_SpecChange_BumpsGenerationAndSendsMergePatch()
    {
        _server.Put(ResourceTypes.KonnectRoutes, NewRoute("shop", "orders", "a.example.com"));

        var patched = await _client.PatchAsync(ResourceTypes.KonnectRoutes, "shop", "orders",
            new JsonObject { ["spec"] = new JsonObject { ["hosts"] = new JsonArray("b.example.com") } }, None);

        Assert.Equal(["b.example.com"], patched.Spec.Hosts!);
        Assert.Equal(2, patched.Metadata.Generation);
        Assert.Equal(1, _server.CountRequests("PATCH", "/konnectroutes/orders"));
    }

    [Theory]
    [InlineData("7", 7)]
    [InlineData("date", 60)]
    public async Task GetAsync_TooManyRequestsWithRetryAfter_SetsRetryAfter(string header, int expectedSeconds)
    {
        var value = header == "date" ? DateTimeOffset.UtcNow.AddSeconds(61).ToString("R") : header;
        _server.ForceNextResponse(429, "TooManyRequests", "slow down", value);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _client.GetAsync(ResourceTypes.Services, "a", "b", None));

        Assert.Equal(429, error.StatusCode);
        Assert.Equal("TooManyRequests", error.Reason);
        Assert.NotNull(error.RetryAfter);
        Assert.InRange(error.RetryAfter!.Value.TotalSeconds, expectedSeconds - 2, expectedSeconds + 1);
    }

    [Fact]
    public async Task ListAsync_ServerUnavailable_ThrowsServiceUnavailable()
    {
        _server.SetAvailable(false);

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None));

        Assert.Equal(503, error.StatusCode);
    }

    [Fact]
    public async Task GetAsync_NothingListening_ThrowsUnreachableWithoutSecrets()
    {
        var port = _server.Url.Port;
        await _server.DisposeAsync();
        using var client = new KubeApiClient(new Konnect.Kubernetes.Config.KubeConfig(
            new k8s.KubernetesClientConfiguration { Host = $"http://127.0.0.1:{port}", AccessToken = "s3cret-token" }, "test"));

        var error = await Assert.ThrowsAsync<KubeApiException>(() => client.GetAsync(ResourceTypes.Services, "a", "b", None));

        Assert.Equal(0, error.StatusCode);
        Assert.Equal("Unreachable", error.Reason);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
        _server = await FakeKubeApiServer.StartAsync();
    }

    [Fact]
    public async Task GetAsync_ServerStoppedThenRestarted_UnreachableThenServesSameObjects()
    {
        _server.Put(ResourceTypes.Services, NewService("shop", "orders"));
        await _server.StopAsync();

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _client.GetAsync(ResourceTypes.Services, "shop", "orders", None));
        await _server.RestartAsync();
        var service = await _client.GetAsync(ResourceTypes.Services, "shop", "orders", None);

        Assert.Equal("Unreachable", error.Reason);
        Assert.Equal("orders", service.Metadata.Name);
    }

    [Fact]
    public async Task GetAsync_Unauthorized_MessageHasServerReasonButNoToken()
    {
        _server.ForceNextResponse(401, "Unauthorized", "Unauthorized");

        var error = await Assert.ThrowsAsync<KubeApiException>(() => _client.GetAsync(ResourceTypes.Secrets, "shop", "key", None));

        Assert.Equal(401, error.StatusCode);
        Assert.Equal("GET /api/v1/namespaces/shop/secrets/key: Unauthorized", error.Message);
    }

    [Fact]
    public async Task Requests_StaticToken_SendsBearerAndUserAgent()
    {
        await _client.ListAsync(ResourceTypes.Services, null, new ListOptions(), None);

        var request = _server.Requests[^1];
        Assert.Equal("Bearer test-token", request.Authorization);
        Assert.StartsWith("konnect/", request.UserAgent, StringComparison.Ordinal);
    }
}
