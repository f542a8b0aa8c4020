using System.Net;
using System.Text.Json.Nodes;
using Konnect.Api.Kubernetes;
using Konnect.Commands;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Functional.Tests.Samples;
using Konnect.Gateway;
using Konnect.Kubernetes;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using YamlDotNet.RepresentationModel;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// Ingress v1 in cluster mode: `konnect run --kubeconfig` against the fake API server, real Kestrel backends. An
/// IngressClass, Services, EndpointSlices and Ingresses put into the API server are served as the same YAML is served
/// from a folder; edits, deletions and a class that appears late take effect; the leader publishes the address and
/// records a conflict with an older KonnectRoute as a Warning Event on the Ingress.
/// </summary>
public sealed class IngressClusterModeTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-ingress-cluster-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<WebApplication> _backends = [];
    private readonly ShiftedClock _clock = new();
    private FakeKubeApiServer _api = null!;
    private WebApplication _konnect = null!;
    private int _traffic;
    private int _web;
    private int _fallback;

    /// <summary>What the tests send, by host and path: each answer names the backend and the path it got.</summary>
    private static readonly (string Host, string Path)[] Probes =
    [
        ("shop.example.com", "/foo"),
        ("shop.example.com", "/foo/bar"),       // Prefix matches by path element...
        ("shop.example.com", "/foobar"),        // ...so not this one: 404 on a host the Ingress claims
        ("shop.example.com", "/exact"),
        ("shop.example.com", "/exact/more"),    // Exact is exact
        ("unknown.example.com", "/anything"),   // spec.defaultBackend: any host no route claims
        ("other.example.com", "/"),             // another controller's Ingress: not served, so the defaultBackend answers
    ];

    private static readonly string[] Expected =
    [
        "200 web /foo", "200 web /foo/bar", "404", "200 web /exact", "404", "200 fallback /anything", "200 fallback /",
    ];

    /// <summary>The manifests, one YAML text for both modes; {WEB} and {FALLBACK} are the backends' ports.</summary>
    private const string Manifests = """
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: konnect }
        spec: { controller: konnect.dev/ingress-controller }
        ---
        apiVersion: networking.k8s.io/v1
        kind: IngressClass
        metadata: { name: nginx }
        spec: { controller: k8s.io/ingress-nginx }
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: web, namespace: shop }
        spec: { ports: [{ name: http, port: 80 }] }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: web-1, namespace: shop, labels: { kubernetes.io/service-name: web } }
        addressType: IPv4
        ports: [{ name: http, port: {WEB} }]
        endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: fallback, namespace: shop }
        spec: { ports: [{ name: http, port: 80 }] }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: fallback-1, namespace: shop, labels: { kubernetes.io/service-name: fallback } }
        addressType: IPv4
        ports: [{ name: http, port: {FALLBACK} }]
        endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: shop, namespace: shop }
        spec:
          ingressClassName: konnect
          defaultBackend: { service: { name: fallback, port: { name: http } } }
          rules:
            - host: shop.example.com
              http:
                paths:
                  - { path: /foo, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
                  - { path: /exact, pathType: Exact, backend: { service: { name: web, port: { name: http } } } }
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: { name: other, namespace: shop }
        spec:
          ingressClassName: nginx
          rules:
            - host: other.example.com
              http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
        """;

    private static readonly Dictionary<string, string> Collections = new()
    {
        ["IngressClass"] = "/apis/networking.k8s.io/v1/ingressclasses",
        ["Ingress"] = "/apis/networking.k8s.io/v1/ingresses",
        ["Service"] = "/api/v1/services",
        ["EndpointSlice"] = "/apis/discovery.k8s.io/v1/endpointslices",
        ["KonnectRoute"] = "/apis/konnect.dev/v1alpha1/konnectroutes",
    };

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1), TimeProvider = _clock });
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), _api.Url, "konnect-system");
        _web = await StartBackendAsync("web");
        _fallback = await StartBackendAsync("fallback");
        _konnect = RunCommand.Build(InProcessKonnect.ClusterModeOptions(Path.Combine(_dir, "kubeconfig")) with { PublishAddresses = ["203.0.113.7", "gw.example.com"] });
        await _konnect.StartAsync();
        _traffic = _konnect.Services.GetRequiredService<GatewayListeners>().TrafficEndPoints[0].Port;
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
    public async Task Ingress_SameManifestsInClusterAndFolder_ServedAlike()
    {
        var yaml = Manifests.Replace("{WEB}", _web.ToString(), StringComparison.Ordinal).Replace("{FALLBACK}", _fallback.ToString(), StringComparison.Ordinal);
        Apply(yaml);
        await EventuallyAnswersAsync(_traffic, Expected);
        var cluster = await AnswersAsync(_traffic);

        await using var folder = new FolderModeHost("konnect-ingress-folder-");
        File.WriteAllText(Path.Combine(folder.Dir, "ingress.yaml"), yaml);
        await folder.StartAsync("unused");
        await EventuallyAnswersAsync(folder.Traffic, Expected);

        Assert.Equal(cluster, await AnswersAsync(folder.Traffic));
        Assert.Equal(Expected, cluster);
    }

    [Fact]
    public async Task Ingress_EditedThenDeleted_ServingFollows()
    {
        Apply(Yaml());
        await EventuallyAnswersAsync(_traffic, Expected);

        var shop = _api.Get(ResourceTypes.Ingresses, "shop", "shop")!;
        shop.Spec.Rules![0].Http!.Paths[0].Path = "/bar";
        _api.Put(ResourceTypes.Ingresses, shop);
        await Repo.EventuallyAsync(async () => await AnswerAsync(_traffic, "shop.example.com", "/bar/1") == "200 web /bar/1", "edited path served");
        Assert.Equal("404", await AnswerAsync(_traffic, "shop.example.com", "/foo/bar"));

        _api.Delete(ResourceTypes.Ingresses, "shop", "shop");
        await Repo.EventuallyAsync(async () => await AnswerAsync(_traffic, "shop.example.com", "/bar/1") == "404", "deleted Ingress no longer served");
        // Its defaultBackend went with it.
        Assert.Equal("404", await AnswerAsync(_traffic, "unknown.example.com", "/anything"));
    }

    [Fact]
    public async Task IngressClass_CreatedAfterTheIngress_StartsServingIt()
    {
        var documents = Documents(Yaml()).ToList();
        Apply(documents.Where(d => d["kind"]!.GetValue<string>() != "IngressClass"));
        // Everything is listed (the other kinds serve) but no class says the Ingress is Konnect's.
        _api.Put(Collections["KonnectRoute"], JsonNode.Parse("""
            { "apiVersion": "konnect.dev/v1alpha1", "kind": "KonnectRoute", "metadata": { "name": "probe", "namespace": "shop" },
              "spec": { "hosts": ["probe.example.com"], "rules": [{ "backends": [{ "service": "web", "port": 80 }] }] } }
            """)!.AsObject());
        await Repo.EventuallyAsync(async () => await AnswerAsync(_traffic, "probe.example.com", "/") == "200 web /", "a KonnectRoute served");
        Assert.Equal("404", await AnswerAsync(_traffic, "shop.example.com", "/foo"));

        Apply(documents.Where(d => d["kind"]!.GetValue<string>() == "IngressClass"));

        await EventuallyAnswersAsync(_traffic, Expected);
    }

    [Fact]
    public async Task Ingress_PublishAddress_LoadBalancerStatusWrittenOnKonnectsIngressOnly()
    {
        Apply(Yaml());

        await Repo.EventuallyAsync(() => Task.FromResult(_api.Get(ResourceTypes.Ingresses, "shop", "shop")!.Status?.LoadBalancer?.Ingress is { Count: 2 }), "status.loadBalancer written");
        var published = _api.Get(ResourceTypes.Ingresses, "shop", "shop")!.Status!.LoadBalancer!.Ingress!;
        Assert.Equal([("203.0.113.7", null), (null, "gw.example.com")], published.Select(a => (a.Ip, a.Hostname)));
        // Another controller's Ingress is left alone.
        Assert.Null(_api.Get(ResourceTypes.Ingresses, "shop", "other")!.Status);
        Assert.Equal(0, _api.CountRequests("PATCH", "/ingresses/other/status"));
    }

    [Fact]
    public async Task Ingress_ConflictWithAnOlderKonnectRoute_WarningEventOnTheIngress()
    {
        // The KonnectRoute is an hour older, so it keeps shop.example.com /foo.
        _clock.Offset = TimeSpan.FromHours(-1);
        _api.Put(Collections["KonnectRoute"], JsonNode.Parse("""
            { "apiVersion": "konnect.dev/v1alpha1", "kind": "KonnectRoute", "metadata": { "name": "cart", "namespace": "shop" },
              "spec": { "hosts": ["shop.example.com"], "rules": [{ "matches": [{ "path": { "type": "PathPrefix", "value": "/foo" } }],
                        "backends": [{ "service": "fallback", "port": 80 }] }] } }
            """)!.AsObject());
        _clock.Offset = TimeSpan.Zero;
        Apply(Yaml());

        await Repo.EventuallyAsync(async () => (await IngressEventsAsync()).Count > 0, "a Warning Event on the Ingress");
        var ev = Assert.Single(await IngressEventsAsync());
        Assert.Equal(("Warning", "Conflicted"), (Str(ev["type"]), Str(ev["reason"])));
        Assert.StartsWith("shop.example.com: Conflicted: ", Str(ev["note"]), StringComparison.Ordinal);
        Assert.Contains("KonnectRoute shop/cart", Str(ev["note"]), StringComparison.Ordinal);
        Assert.Equal(_api.Get(ResourceTypes.Ingresses, "shop", "shop")!.Metadata.Uid, Str(ev["regarding"]!["uid"]));
        // The older route keeps the path; the Ingress's default backend still serves.
        Assert.Equal("200 fallback /foo", await AnswerAsync(_traffic, "shop.example.com", "/foo"));
        Assert.Equal("200 fallback /x", await AnswerAsync(_traffic, "unknown.example.com", "/x"));
    }

    /// <summary>The Events about Ingress shop/shop, read as `kubectl events` reads them.</summary>
    private async Task<List<JsonNode>> IngressEventsAsync()
    {
        var list = JsonNode.Parse(await _http.GetStringAsync(new Uri(_api.Url, "/apis/events.k8s.io/v1/namespaces/shop/events")))!;
        return [.. list["items"]!.AsArray().OfType<JsonNode>().Where(e => Str(e["regarding"]?["kind"]) == "Ingress" && Str(e["regarding"]?["name"]) == "shop")];
    }

    private static string Str(JsonNode? node) => node?.GetValue<string>() ?? "";

    private string Yaml() => Manifests.Replace("{WEB}", _web.ToString(), StringComparison.Ordinal).Replace("{FALLBACK}", _fallback.ToString(), StringComparison.Ordinal);

    /// <summary>Each YAML document as JSON, as kubectl would send it.</summary>
    private static IEnumerable<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => CrdSchemas.ToJson(d.RootNode)!.AsObject());
    }

    private void Apply(string yaml) => Apply(Documents(yaml));

    private void Apply(IEnumerable<JsonObject> documents)
    {
        foreach (var document in documents) { _api.Put(Collections[document["kind"]!.GetValue<string>()], document); }
    }

    private async Task<string> AnswerAsync(int port, string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}{path}");
        request.Headers.Host = host;
        using var response = await _http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK ? $"200 {await response.Content.ReadAsStringAsync()}" : ((int)response.StatusCode).ToString();
    }

    private async Task<string[]> AnswersAsync(int port)
    {
        var answers = new string[Probes.Length];
        for (var i = 0; i < Probes.Length; i++) { answers[i] = await AnswerAsync(port, Probes[i].Host, Probes[i].Path); }
        return answers;
    }

    private Task EventuallyAnswersAsync(int port, string[] expected) =>
        Repo.EventuallyAsync(async () => (await AnswersAsync(port)).SequenceEqual(expected), $"answers {string.Join(", ", expected)} on port {port}");

    /// <summary>A real Kestrel upstream that answers its name and the path it was sent.</summary>
    private async Task<int> StartBackendAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(context => context.Response.WriteAsync($"{name} {context.Request.Path}"));
        await app.StartAsync();
        _backends.Add(app);
        return new Uri(app.Urls.First()).Port;
    }

    /// <summary>The system clock moved by <see cref="Offset"/>: lets the fake API server stamp an object as older.</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }
}
