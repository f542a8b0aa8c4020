using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Konnect.Commands;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Functional.Tests.Samples;
using Konnect.Gateway;
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
/// A cluster for the Gateway API tests: the fake API server, `konnect run --kubeconfig` in-process against it (started
/// when the test has put in what it needs), real Kestrel backends, Konnect's log lines, and the few ways the tests read
/// and write objects (YAML as kubectl sends it; status as the conformance suite reads it).
/// </summary>
public sealed class GatewayApiCluster : IAsyncDisposable
{
    public const string ControllerName = "konnect.dev/gateway-controller";

    public static readonly IReadOnlyDictionary<string, string> Collections = new Dictionary<string, string>
    {
        ["GatewayClass"] = "/apis/gateway.networking.k8s.io/v1/gatewayclasses",
        ["Gateway"] = "/apis/gateway.networking.k8s.io/v1/gateways",
        ["HTTPRoute"] = "/apis/gateway.networking.k8s.io/v1/httproutes",
        ["ReferenceGrant"] = "/apis/gateway.networking.k8s.io/v1beta1/referencegrants",
        ["Namespace"] = "/api/v1/namespaces",
        ["Service"] = "/api/v1/services",
        ["Secret"] = "/api/v1/secrets",
        ["EndpointSlice"] = "/apis/discovery.k8s.io/v1/endpointslices",
        ["KonnectRoute"] = "/apis/konnect.dev/v1alpha1/konnectroutes",
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-gwapi-cluster-").FullName;
    private readonly List<WebApplication> _backends = [];
    private WebApplication? _konnect;

    private GatewayApiCluster(FakeKubeApiServer api) => Api = api;

    public FakeKubeApiServer Api { get; }
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };
    public CapturedLogs Logs { get; } = new();
    public int Traffic { get; private set; }
    public int Admin { get; private set; }

    /// <summary>The fake API server and a kubeconfig for it; Konnect starts with <see cref="StartKonnectAsync"/>.</summary>
    public static async Task<GatewayApiCluster> StartAsync()
    {
        var cluster = new GatewayApiCluster(await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { BookmarkInterval = TimeSpan.FromSeconds(1) }));
        await Repo.WriteKubeconfigAsync(Path.Combine(cluster._dir, "kubeconfig"), cluster.Api.Url, "konnect-system");
        return cluster;
    }

    public async Task StartKonnectAsync()
    {
        _konnect = RunCommand.Build(InProcessKonnect.ClusterModeOptions(Path.Combine(_dir, "kubeconfig")) with { PublishAddresses = ["203.0.113.7", "gw.example.com"] });
        _konnect.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        await _konnect.StartAsync();
        var listeners = _konnect.Services.GetRequiredService<GatewayListeners>();
        (Traffic, Admin) = (listeners.TrafficEndPoints[0].Port, listeners.AdminEndPoints[0].Port);
    }

    public async ValueTask DisposeAsync()
    {
        if (_konnect is not null)
        {
            await _konnect.StopAsync();
            await _konnect.DisposeAsync();
        }
        foreach (var backend in _backends) { await backend.DisposeAsync(); }
        await Api.DisposeAsync();
        Http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Puts each document into the API server, as `kubectl apply` would.</summary>
    public void Apply(IEnumerable<JsonObject> documents)
    {
        foreach (var document in documents) { Api.Put(Collections[Kind(document)], document); }
    }

    public void Apply(string yaml) => Apply(Documents(yaml));

    /// <summary>Puts one object (e.g. one read, then edited) and returns it as stored: its generation bumped when its spec changed.</summary>
    public JsonObject Apply(JsonObject document) => Api.Put(Collections[Kind(document)], document);

    public JsonObject? Get(string kind, string? ns, string name) => Api.Get(Collections[kind], ns, name);

    /// <summary>The object's status; fails when the object or its status is missing.</summary>
    public JsonNode Status(string kind, string? ns, string name) => Get(kind, ns, name)!["status"]!;

    /// <summary>The answer to GET host+path on the traffic listener: "200 BACKEND PATH", or the status code alone.</summary>
    public async Task<string> AnswerAsync(string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Traffic}{path}");
        request.Headers.Host = host;
        using var response = await Http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK ? $"200 {await response.Content.ReadAsStringAsync()}" : ((int)response.StatusCode).ToString();
    }

    /// <summary>A real Kestrel upstream that answers its name and the path it was sent; returns its port.</summary>
    public async Task<int> StartBackendAsync(string name)
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

    /// <summary>Each YAML document as JSON, as kubectl would send it.</summary>
    public static IEnumerable<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => CrdSchemas.ToJson(d.RootNode)!.AsObject());
    }

    public static List<JsonNode> Conditions(JsonNode owner) => [.. owner["conditions"]!.AsArray().OfType<JsonNode>()];

    /// <summary>The condition of that type, or null.</summary>
    public static JsonNode? Condition(JsonNode owner, string type) => Conditions(owner).FirstOrDefault(c => Str(c["type"]) == type);

    public static string Str(JsonNode? node) => node?.GetValue<string>() ?? "";

    /// <summary>A number as a long, whether the store made it an int or a long (a generation, an observedGeneration).</summary>
    public static long Long(JsonNode? node) => long.Parse(node!.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    public static string Kind(JsonObject document) => Str(document["kind"]);

    /// <summary>Konnect's log lines ("LEVEL message"), as its logger factory writes them.</summary>
    public sealed class CapturedLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(_lines);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel)) { lines.Enqueue($"{logLevel} {formatter(state, exception)}"); }
            }
        }
    }
}
