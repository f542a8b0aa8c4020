using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Sources;
using Konnect.Controller.Status;
using Konnect.Controller.Translation;
using Konnect.Kubernetes;
using Konnect.Model;
using Konnect.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests.Status;

/// <summary>
/// The leader's writes on Konnect's Ingresses against the fake API server: status.loadBalancer from --publish-address
/// or a Service, written only when it differs and only by the leader, and one Warning Event per distinct refusal.
/// </summary>
public sealed class IngressStatusWriterTests : IAsyncLifetime
{
    private const string Ns = "shop";
    private static readonly ObjectRef Shop = new(Ingress.KindName, Ns, "shop");
    private FakeKubeApiServer _server = null!;
    private KubeApiClient _client = null!;
    private readonly List<(CancellationTokenSource Stop, Task Run)> _loops = [];

    public async Task InitializeAsync()
    {
        _server = await FakeKubeApiServer.StartAsync();
        _client = new KubeApiClient(_server.CreateClientConfig());
        _server.Put(ResourceTypes.Ingresses, new Ingress
        {
            Metadata = new ObjectMeta { Namespace = Ns, Name = "shop" },
            Spec = new IngressSpec { IngressClassName = "konnect", DefaultBackend = new IngressBackend { Service = new IngressServiceBackend { Name = "web", Port = new ServiceBackendPort { Number = 80 } } } },
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var (stop, run) in _loops)
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(5));
            stop.Dispose();
        }
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private IngressStatusWriter Start(Func<bool> isLeader, IngressPublishOptions publish)
    {
        var writer = new IngressStatusWriter(_client, isLeader, publish, new StatusWriterOptions
        {
            FlushDelay = TimeSpan.FromMilliseconds(50),
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            ReportingInstance = "konnect-test",
        }, NullLogger<IngressStatusWriter>.Instance);
        var stop = new CancellationTokenSource();
        _loops.Add((stop, writer.RunAsync(stop.Token)));
        return writer;
    }

    private static IngressPublishOptions Addresses(params string[] addresses) => new() { Addresses = addresses };

    private static ObjectStatus Accepted(ObjectRef key) => new()
    {
        Object = key,
        Generation = 1,
        Conditions =
        [
            new Condition { Type = ConditionTypes.Accepted, Status = "True", Reason = "Accepted", Message = "ok", ObservedGeneration = 1 },
            new Condition { Type = ConditionTypes.ResolvedRefs, Status = "True", Reason = "ResolvedRefs", Message = "ok", ObservedGeneration = 1 },
        ],
    };

    private static ObjectStatus Refused(ObjectRef key, string type, string reason, string message) => Accepted(key) with
    {
        Conditions = [.. Accepted(key).Conditions.Select(c => c.Type == type ? c with { Status = "False", Reason = reason, Message = message } : c)],
    };

    private static async Task ReportAndWaitAsync(IngressStatusWriter writer, params ObjectStatus[] statuses)
    {
        await writer.ReportAsync(statuses, CancellationToken.None);
        await WaitUntilAsync(() => writer.CaughtUp);
    }

    private List<IngressLoadBalancerIngress> LoadBalancer() => _server.Get(ResourceTypes.Ingresses, Ns, "shop")!.Status?.LoadBalancer?.Ingress ?? [];
    private int Patches => _server.CountRequests("PATCH", "/ingresses/shop/status");
    private async Task<List<k8s.Models.Eventsv1Event>> EventsAsync() => [.. (await _client.Kubernetes.EventsV1.ListNamespacedEventAsync(Ns)).Items];

    [Fact]
    public async Task ReportAsync_PublishAddress_WritesIpsAndHostNamesAsGiven()
    {
        var writer = Start(() => true, Addresses("203.0.113.7", "gw.example.com", "2001:db8::1"));

        await ReportAndWaitAsync(writer, Accepted(Shop));

        var written = LoadBalancer();
        Assert.Equal([("2001:db8::1", null), ("203.0.113.7", null), (null, "gw.example.com")], written.Select(a => (a.Ip, a.Hostname)));
        Assert.Equal(1, Patches);
        // Read through the status subresource, then patched there: spec untouched.
        Assert.Equal(1, _server.CountRequests("GET", "/ingresses/shop/status"));
        Assert.Equal("konnect", _server.Get(ResourceTypes.Ingresses, Ns, "shop")!.Spec.IngressClassName);
    }

    [Fact]
    public async Task ReportAsync_AddressAlreadyCarried_NotRewritten()
    {
        await _client.PatchStatusAsync(ResourceTypes.Ingresses, Ns, "shop", JsonNode.Parse("""{"status":{"loadBalancer":{"ingress":[{"hostname":"gw.example.com"},{"ip":"203.0.113.7"}]}}}""")!.AsObject(), CancellationToken.None);
        var writer = Start(() => true, Addresses("gw.example.com", "203.0.113.7"));

        await ReportAndWaitAsync(writer, Accepted(Shop));
        await ReportAndWaitAsync(writer, Accepted(Shop) with { Generation = 2 });

        Assert.Equal(1, Patches); // the seed above
    }

    [Fact]
    public async Task ReportAsync_PublishService_WritesItsLoadBalancerAddressesAndFollowsTheirChange()
    {
        _server.Put(ResourceTypes.Services, new Service
        {
            Metadata = new ObjectMeta { Namespace = "konnect-system", Name = "konnect" },
            Spec = new ServiceSpec { Type = "LoadBalancer", ClusterIP = "10.96.0.10", ExternalIPs = ["198.51.100.1"] },
        });
        await SetServiceLoadBalancerAsync("""[{"ip":"203.0.113.7"},{"hostname":"lb.example.com"}]""");
        var writer = Start(() => true, new IngressPublishOptions { ServiceNamespace = "konnect-system", ServiceName = "konnect", ServiceRefresh = TimeSpan.FromMilliseconds(200) });

        await ReportAndWaitAsync(writer, Accepted(Shop));
        Assert.Equal([("198.51.100.1", null), ("203.0.113.7", null), (null, "lb.example.com")], LoadBalancer().Select(a => (a.Ip, a.Hostname)));

        // The cloud moves the load balancer: no Ingress changed, the periodic read of the Service notices.
        await SetServiceLoadBalancerAsync("""[{"ip":"203.0.113.99"}]""");
        await WaitUntilAsync(() => LoadBalancer().Any(a => a.Ip == "203.0.113.99"));
        Assert.Equal(["198.51.100.1", "203.0.113.99"], LoadBalancer().Select(a => a.Ip));
    }

    [Fact]
    public async Task ReportAsync_PublishServiceMissing_WritesNothing()
    {
        var writer = Start(() => true, new IngressPublishOptions { ServiceNamespace = "konnect-system", ServiceName = "absent" });

        await ReportAndWaitAsync(writer, Accepted(Shop));

        Assert.Equal(0, Patches);
        Assert.Empty(LoadBalancer());
    }

    [Fact]
    public async Task ReportAsync_NothingToPublish_NoPatch()
    {
        var writer = Start(() => true, new IngressPublishOptions());

        await ReportAndWaitAsync(writer, Accepted(Shop));

        Assert.Equal(0, Patches);
    }

    [Fact]
    public async Task ReportAsync_NotLeader_NothingWrittenUntilElected()
    {
        var leader = false;
        var writer = Start(() => leader, Addresses("203.0.113.7"));

        await ReportAndWaitAsync(writer, Refused(Shop, ConditionTypes.ResolvedRefs, "InvalidBackend", "spec.rules[0]: no Service"));
        Assert.Equal(0, Patches);
        Assert.Empty(await EventsAsync());

        leader = true;
        writer.OnLeadershipChanged(true);
        await WaitUntilAsync(() => writer.CaughtUp && LoadBalancer().Count == 1);
        Assert.Single(await EventsAsync());
    }

    [Fact]
    public async Task ReportAsync_Refusals_OneWarningEventPerDistinctRefusalNamingTheHost()
    {
        var writer = Start(() => true, new IngressPublishOptions());
        var part = new ObjectRef(Ingress.KindName, Ns, "shop:shop.example.com");
        ObjectStatus[] report =
        [
            Refused(Shop, ConditionTypes.ResolvedRefs, "InvalidBackend", "spec.rules[1].http.paths[0].backend.resource: not a Service"),
            Refused(part, ConditionTypes.Accepted, "Conflicted", "PathPrefix /cart is served by KonnectRoute shop/cart (older)"),
            Accepted(new ObjectRef(Ingress.KindName, Ns, "shop:*")),
        ];

        await ReportAndWaitAsync(writer, report);
        await ReportAndWaitAsync(writer, report);
        await ReportAndWaitAsync(writer, [.. report.Select(s => s with { Generation = 2 })]);

        var events = await EventsAsync();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(("Warning", "konnect.dev/gateway", "konnect-test"), (e.Type, e.ReportingController, e.ReportingInstance)));
        Assert.All(events, e => Assert.Equal(("networking.k8s.io/v1", "Ingress", Ns, "shop"), (e.Regarding!.ApiVersion, e.Regarding.Kind, e.Regarding.NamespaceProperty, e.Regarding.Name)));
        Assert.All(events, e => Assert.False(string.IsNullOrEmpty(e.Regarding!.Uid)));
        Assert.Contains(events, e => e.Reason == "Conflicted" && e.Note == "shop.example.com: Conflicted: PathPrefix /cart is served by KonnectRoute shop/cart (older)");
        Assert.Contains(events, e => e.Reason == "InvalidBackend" && e.Note == "spec.rules[1].http.paths[0].backend.resource: not a Service");

        // A new problem is one more Event; the old ones are not repeated.
        await ReportAndWaitAsync(writer, [.. report, Refused(new ObjectRef(Ingress.KindName, Ns, "shop:*"), ConditionTypes.ResolvedRefs, "BackendNotFound", "Service web not found")]);
        var later = await EventsAsync();
        Assert.Equal(3, later.Count);
        Assert.Contains(later, e => e.Note == "rules without a host: BackendNotFound: Service web not found");
    }

    [Fact]
    public async Task ReportAsync_TranslatorRefusesATlsSecret_EventNamesTheSecretButNeverItsData()
    {
        const string KeyMaterial = "c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkw";
        var dir = Directory.CreateTempSubdirectory("konnect-ingress-events-").FullName;
        try
        {
            var path = Path.Combine(dir, "shop.yaml");
            File.WriteAllText(path, $$"""
                apiVersion: networking.k8s.io/v1
                kind: IngressClass
                metadata: { name: konnect }
                spec: { controller: konnect.dev/ingress-controller }
                ---
                apiVersion: v1
                kind: Secret
                metadata: { name: shop-tls, namespace: shop }
                type: kubernetes.io/tls
                data: { tls.crt: {{KeyMaterial}}, tls.key: {{KeyMaterial}} }
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: { name: shop, namespace: shop }
                spec:
                  ingressClassName: konnect
                  tls: [{ hosts: [shop.example.com], secretName: shop-tls }]
                  rules:
                    - host: shop.example.com
                      http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] }
                """);
            var result = Translator.Translate(ManifestSource.LoadPaths([path]));
            var writer = Start(() => true, new IngressPublishOptions());

            await ReportAndWaitAsync(writer, [.. result.Statuses]);

            var events = await EventsAsync();
            Assert.NotEmpty(events);
            Assert.Contains(events, e => e.Note!.StartsWith("shop.example.com: ", StringComparison.Ordinal) && e.Note.Contains("shop-tls", StringComparison.Ordinal));
            Assert.All(events, e => Assert.DoesNotContain(KeyMaterial, e.Note, StringComparison.Ordinal));
            Assert.All(events, e => Assert.DoesNotContain("secret-key-material", e.Note, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task ReportAsync_ApiServerDown_WrittenWhenItAnswersAgain()
    {
        var writer = Start(() => true, Addresses("203.0.113.7"));
        await _server.StopAsync();

        await writer.ReportAsync([Accepted(Shop)], CancellationToken.None);
        await WaitUntilAsync(() => _client.Probe.IsDown);
        Assert.False(writer.CaughtUp);
        await _server.RestartAsync();

        await WaitUntilAsync(() => LoadBalancer().Count == 1);
        await WaitUntilAsync(() => writer.CaughtUp);
    }

    [Theory]
    [InlineData("ClusterIP", null, "10.96.0.10")]
    [InlineData(null, null, "10.96.0.10")]
    [InlineData("NodePort", null, "10.96.0.10")]
    [InlineData("NodePort", "198.51.100.1", "198.51.100.1")]
    [InlineData("LoadBalancer", null, "")]
    [InlineData("LoadBalancer", "198.51.100.1", "198.51.100.1")]
    [InlineData("ExternalName", null, "gw.example.net")]
    public void FromService_ByType_AsIngressNginxReadsIt(string? type, string? externalIp, string expected)
    {
        var service = new Service
        {
            Spec = new ServiceSpec { Type = type, ClusterIP = type == "ExternalName" ? null : "10.96.0.10", ExternalName = "gw.example.net", ExternalIPs = externalIp is null ? null : [externalIp] },
        };

        var addresses = IngressAddresses.FromService(service);

        Assert.Equal(expected, string.Join(",", addresses.Select(a => a.Ip ?? a.Hostname)));
    }

    [Theory]
    [InlineData("konnect-system/konnect", "", null)]
    [InlineData("konnect", "", "is not NAMESPACE/NAME")]
    [InlineData("a/b/c", "", "is not NAMESPACE/NAME")]
    [InlineData("konnect-system/konnect", "203.0.113.7", "not both")]
    [InlineData(null, "203.0.113.7,gw.example.com", null)]
    [InlineData(null, "not a host!", "neither an IP address nor a host name")]
    public void PublishOptions_Parse_ChecksTheFlags(string? service, string addresses, string? error)
    {
        var list = addresses.Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (error is null)
        {
            var options = IngressPublishOptions.Parse(service, list);
            Assert.Equal(service is not null, options.FromService);
            return;
        }
        Assert.Contains(error, Assert.Throws<ArgumentException>(() => IngressPublishOptions.Parse(service, list)).Message, StringComparison.Ordinal);
    }

    private Task SetServiceLoadBalancerAsync(string ingress) => _client.PatchStatusAsync(ResourceTypes.Services, "konnect-system", "konnect",
        JsonNode.Parse("""{"status":{"loadBalancer":{"ingress":""" + ingress + "}}}")!.AsObject(), CancellationToken.None);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "condition not met in time");
            await Task.Delay(10);
        }
    }
}
