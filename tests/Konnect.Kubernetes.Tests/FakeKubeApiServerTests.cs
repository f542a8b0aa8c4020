using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Testing.Kubernetes;

namespace Konnect.Kubernetes.Tests;

/// <summary>The fake refuses what a real API server refuses, so a client bug cannot hide behind a lenient fake.</summary>
public sealed class FakeKubeApiServerTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("?limit=1&continue=abc&resourceVersion=5")]
    [InlineData("?resourceVersionMatch=NotOlderThan")]
    public async Task List_OptionsTheRealServerRejects_Returns400Status(string query)
    {
        using var response = await _http.GetAsync(new Uri(_server.Url, "/api/v1/services" + query));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task PatchStatus_PlainJsonContentType_Returns415()
    {
        _server.Put("/api/v1/services", new JsonObject { ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "a", ["namespace"] = "n" } });
        using var content = new StringContent("{\"status\":{}}", Encoding.UTF8, "application/json");

        using var response = await _http.PatchAsync(new Uri(_server.Url, "/api/v1/namespaces/n/services/a/status"), content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public void Put_StatusInMainResource_IgnoredAsWithStatusSubresource()
    {
        var created = _server.Put("/apis/konnect.dev/v1alpha1/konnectroutes", new JsonObject
        {
            ["kind"] = "KonnectRoute",
            ["metadata"] = new JsonObject { ["name"] = "r", ["namespace"] = "n" },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject { ["conditions"] = new JsonArray() },
        });

        Assert.Null(created["status"]);
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<int>());
    }

    [Fact]
    public async Task IngressClass_ClusterScoped_ServedWithoutNamespaceOnlyAndWithoutStatus()
    {
        using var body = new StringContent("""{"apiVersion":"networking.k8s.io/v1","kind":"IngressClass","metadata":{"name":"konnect","namespace":"shop"},"spec":{"controller":"konnect.dev/ingress-controller"}}""",
            Encoding.UTF8, "application/json");
        using var created = await _http.PostAsync(new Uri(_server.Url, "/apis/networking.k8s.io/v1/ingressclasses"), body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        // A namespace sent with a cluster-scoped object is dropped, as the real server's BeforeCreate does.
        Assert.Null(JsonNode.Parse(await created.Content.ReadAsStringAsync())!["metadata"]!["namespace"]);

        using var clusterWide = await _http.GetAsync(new Uri(_server.Url, "/apis/networking.k8s.io/v1/ingressclasses/konnect"));
        using var namespaced = await _http.GetAsync(new Uri(_server.Url, "/apis/networking.k8s.io/v1/namespaces/shop/ingressclasses/konnect"));
        using var status = await _http.GetAsync(new Uri(_server.Url, "/apis/networking.k8s.io/v1/ingressclasses/konnect/status"));

        Assert.Equal(HttpStatusCode.OK, clusterWide.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, namespaced.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        var list = JsonNode.Parse(await _http.GetStringAsync(new Uri(_server.Url, "/apis/networking.k8s.io/v1/ingressclasses")))!;
        Assert.Equal("IngressClassList", list["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task GatewayClassStatus_ClusterScoped_PatchedAndReadThroughTheClientWithoutNamespace()
    {
        _server.Put(ResourceTypes.GatewayClasses, new GatewayClass { Metadata = new ObjectMeta { Name = "konnect" }, Spec = new GatewayClassSpec { ControllerName = GatewayApiGroup.ControllerName } });
        using var client = new KubeApiClient(_server.CreateClientConfig());

        await client.PatchStatusAsync(ResourceTypes.GatewayClasses, "", "konnect",
            JsonNode.Parse("""{"status":{"conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""")!.AsObject(), CancellationToken.None);
        var read = await client.GetStatusAsync(ResourceTypes.GatewayClasses, "", "konnect", CancellationToken.None);

        Assert.Equal("Accepted", Assert.Single(read.Status!.Conditions!).Reason);
        Assert.Contains(_server.Requests, r => r is { Method: "PATCH", Path: "/apis/gateway.networking.k8s.io/v1/gatewayclasses/konnect/status" });
        using var namespaced = await _http.GetAsync(new Uri(_server.Url, "/apis/gateway.networking.k8s.io/v1/namespaces/shop/gatewayclasses/konnect"));
        Assert.Equal(HttpStatusCode.NotFound, namespaced.StatusCode);
    }

    [Fact]
    public async Task HttpRouteStatus_MergePatchWithAStaleResourceVersion_409Conflict()
    {
        var route = _server.Put(ResourceTypes.HttpRoutes, new HttpRoute { Metadata = new ObjectMeta { Namespace = "shop", Name = "web" } });
        using var client = new KubeApiClient(_server.CreateClientConfig());
        var stale = route.Metadata.ResourceVersion;
        await client.PatchStatusAsync(ResourceTypes.HttpRoutes, "shop", "web", JsonNode.Parse("""{"status":{"parents":[]}}""")!.AsObject(), CancellationToken.None);
        _server.Put(ResourceTypes.HttpRoutes, new HttpRoute { Metadata = new ObjectMeta { Namespace = "shop", Name = "web", Labels = new() { ["edited"] = "yes" } } });

        var conflict = await Assert.ThrowsAsync<KubeApiException>(() => client.PatchStatusAsync(ResourceTypes.HttpRoutes, "shop", "web",
            JsonNode.Parse($$$"""{"metadata":{"resourceVersion":"{{{stale}}}"},"status":{"parents":[]}}""")!.AsObject(), CancellationToken.None));

        Assert.Equal(409, conflict.StatusCode);
    }

    [Fact]
    public async Task GatewayApi_AbsentThenPresent_404ThenServed_ReferenceGrantWithoutStatus()
    {
        _server.SetGatewayApiAbsent();
        foreach (var collection in FakeKubeApiServer.GatewayApiCollections)
        {
            using var absent = await _http.GetAsync(new Uri(_server.Url, collection));
            Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        }

        _server.SetGatewayApiAbsent(false);
        foreach (var collection in FakeKubeApiServer.GatewayApiCollections)
        {
            using var present = await _http.GetAsync(new Uri(_server.Url, collection));
            Assert.Equal(HttpStatusCode.OK, present.StatusCode);
        }
        _server.Put(ResourceTypes.ReferenceGrants, new ReferenceGrant { Metadata = new ObjectMeta { Namespace = "shop", Name = "grant" } });
        using var status = await _http.GetAsync(new Uri(_server.Url, "/apis/gateway.networking.k8s.io/v1beta1/namespaces/shop/referencegrants/grant/status"));
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
        var list = JsonNode.Parse(await _http.GetStringAsync(new Uri(_server.Url, "/apis/gateway.networking.k8s.io/v1/httproutes")))!;
        Assert.Equal("HTTPRouteList", list["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task IngressStatus_MergePatchedAndReadThroughTheSubresource_SpecUntouched()
    {
        _server.Put(ResourceTypes.Ingresses, new Ingress { Metadata = new ObjectMeta { Namespace = "shop", Name = "web" }, Spec = new IngressSpec { IngressClassName = "konnect" } });
        using var client = new KubeApiClient(_server.CreateClientConfig());

        var patched = await client.PatchStatusAsync(ResourceTypes.Ingresses, "shop", "web",
            JsonNode.Parse("""{"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"}]}},"spec":{"ingressClassName":"x"}}""")!.AsObject(), CancellationToken.None);
        var read = await client.GetStatusAsync(ResourceTypes.Ingresses, "shop", "web", CancellationToken.None);

        Assert.Equal("203.0.113.7", Assert.Single(read.Status!.LoadBalancer!.Ingress!).Ip);
        Assert.Equal("konnect", read.Spec.IngressClassName);
        Assert.Equal(patched.Metadata.ResourceVersion, read.Metadata.ResourceVersion);
        Assert.Equal(1, read.Metadata.Generation);
    }

    [Fact]
    public async Task Version_ReadByTheLibrary_AnswersVersionInfo()
    {
        using var client = new KubeApiClient(_server.CreateClientConfig());

        var version = await client.Kubernetes.Version.GetCodeAsync();

        Assert.Equal("1", version.Major);
        Assert.StartsWith("v1.", version.GitVersion, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RestartAsync_AfterStop_RefusedMeanwhileThenSameUrlAndObjects()
    {
        _server.Put("/api/v1/services", new JsonObject { ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "a", ["namespace"] = "n" } });
        var url = _server.Url;

        await _server.StopAsync();
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(new Uri(url, "/version")));
        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        // Changed while down, as kubectl against another API server replica would.
        _server.Put("/api/v1/services", new JsonObject { ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "b", ["namespace"] = "n" } });
        await _server.RestartAsync();

        Assert.Equal(url, _server.Url);
        using var response = await _http.GetAsync(new Uri(url, "/api/v1/namespaces/n/services"));
        var items = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["items"]!.AsArray();
        Assert.Equal(["a", "b"], items.Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("konnect.dev/openapi=true", "labelled")]
    [InlineData("konnect.dev/openapi==true", "labelled")]
    [InlineData("konnect.dev/openapi", "labelled,off")]
    [InlineData("!konnect.dev/openapi", "plain")]
    [InlineData("konnect.dev/openapi!=true", "off,plain")]
    [InlineData("konnect.dev/openapi=true,team=shop", "")]
    [InlineData("konnect.dev/openapi,team=orders", "labelled")]
    public async Task List_EqualityLabelSelectors_ServerSideAndAnded(string selector, string expected)
    {
        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("labelled", new() { ["konnect.dev/openapi"] = "true", ["team"] = "orders" }));
        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("off", new() { ["konnect.dev/openapi"] = "false" }));
        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("plain", null));
        using var client = new KubeApiClient(_server.CreateClientConfig());

        var list = await client.ListAsync(ResourceTypes.ConfigMaps, "n", new ListOptions { LabelSelector = selector }, CancellationToken.None);

        Assert.Equal(expected, string.Join(',', list.Items.Select(c => c.Metadata.Name)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Watch_LabelSelector_LabelAddedArrivesAsAddedAndLabelRemovedAsDeleted(bool replayed)
    {
        using var client = new KubeApiClient(_server.CreateClientConfig());
        // Any write first: a watch from "0" would start with the current objects instead of replaying history.
        _server.Put("/api/v1/services", new JsonObject { ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "a", ["namespace"] = "n" } });
        var from = _server.ResourceVersion;
        var labelled = new Dictionary<string, string> { ["konnect.dev/openapi"] = "true" };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        async Task<List<WatchEvent<ConfigMap>>> ReceiveAsync()
        {
            var received = new List<WatchEvent<ConfigMap>>();
            await foreach (var e in client.WatchAsync(ResourceTypes.ConfigMaps, "n",
                new WatchOptions { ResourceVersion = from, LabelSelector = "konnect.dev/openapi=true", AllowWatchBookmarks = false }, cts.Token))
            {
                received.Add(e);
                if (received.Count == 5) { break; }
            }
            return received;
        }
        // Live: the watch is open before the changes. Replayed: it starts from before them, out of the server's history.
        var live = replayed ? null : ReceiveAsync();
        if (live is not null) { await WaitForWatchAsync(); }

        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("doc", null, "v1"));          // not selected: nothing
        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("doc", labelled, "v1"));      // label added: ADDED
        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("doc", labelled, "v2"));      // MODIFIED
        var unlabelled = _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("doc", null, "v3")); // label removed: DELETED
        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("doc", null, "v4"));          // not selected: nothing
        _server.Put(ResourceTypes.ConfigMaps, ConfigMapNamed("doc", labelled, "v5"));      // ADDED again
        _server.Delete(ResourceTypes.ConfigMaps, "n", "doc");                              // DELETED
        var received = await (live ?? ReceiveAsync());

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted, WatchEventType.Added, WatchEventType.Deleted],
            received.Select(e => e.Type));
        Assert.Equal(["v1", "v2", "v2", "v5", "v5"], received.Select(e => e.Object.Data!["openapi.yaml"]));
        // The label's removal is sent with the content the watcher last saw, at the version of the change that removed it.
        Assert.Equal(unlabelled.Metadata.ResourceVersion, received[2].Object.Metadata.ResourceVersion);
        Assert.Equal("true", received[2].Object.Metadata.Labels!["konnect.dev/openapi"]);
    }

    private async Task WaitForWatchAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_server.OpenWatchCount == 0 && DateTime.UtcNow < deadline) { await Task.Delay(20); }
        Assert.Equal(1, _server.OpenWatchCount);
    }

    private static ConfigMap ConfigMapNamed(string name, Dictionary<string, string>? labels, string content = "") => new()
    {
        Metadata = new ObjectMeta { Namespace = "n", Name = name, Labels = labels },
        Data = new() { ["openapi.yaml"] = content },
    };
}
