using System.Diagnostics;
using System.Text.Json.Nodes;
using k8s;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Controller.Status;
using Konnect.Kubernetes;
using Konnect.Model;
using Konnect.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests.Status;

/// <summary>
/// The leader's writes on the Gateway API objects against the fake API server: a GatewayClass's conditions, a
/// Gateway's conditions, listeners and addresses, Konnect's entries of an HTTPRoute's parents beside other
/// controllers'; written only when different and only by the leader, lastTransitionTime kept, Warning Events once.
/// </summary>
public sealed class GatewayApiStatusWriterTests : IAsyncLifetime
{
    private const string Ns = "shop";
    private const string Other = "example.com/other-controller";
    private static readonly ObjectRef ClassRef = new(GatewayClass.KindName, "", "konnect");
    private static readonly ObjectRef GatewayRef = new(Gateway.KindName, Ns, "gw");
    private static readonly ObjectRef RouteRef = new(HttpRoute.KindName, Ns, "web");
    private readonly ShiftedClock _clock = new();
    private FakeKubeApiServer _server = null!;
    private KubeApiClient _client = null!;
    private readonly List<(CancellationTokenSource Stop, Task Run)> _loops = [];

    public async Task InitializeAsync()
    {
        _server = await FakeKubeApiServer.StartAsync();
        _client = new KubeApiClient(_server.CreateClientConfig());
        _server.Put(ResourceTypes.GatewayClasses, new GatewayClass { Metadata = new ObjectMeta { Name = "konnect" }, Spec = new GatewayClassSpec { ControllerName = GatewayApiGroup.ControllerName } });
        _server.Put(ResourceTypes.Gateways, new Gateway
        {
            Metadata = new ObjectMeta { Namespace = Ns, Name = "gw" },
            Spec = new GatewaySpec { GatewayClassName = "konnect", Listeners = [new Listener { Name = "http", Port = 80, Protocol = "HTTP" }] },
        });
        _server.Put(ResourceTypes.HttpRoutes, new HttpRoute
        {
            Metadata = new ObjectMeta { Namespace = Ns, Name = "web" },
            Spec = new HttpRouteSpec { ParentRefs = [new ParentReference { Name = "gw" }, new ParentReference { Name = "gw2" }, new ParentReference { Name = "theirs" }] },
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

    private GatewayApiStatusWriter Start(Func<bool> isLeader, IngressPublishOptions? publish = null)
    {
        var writer = new GatewayApiStatusWriter(_client, isLeader, publish ?? new IngressPublishOptions(), new StatusWriterOptions
        {
            FlushDelay = TimeSpan.FromMilliseconds(50),
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            ReportingInstance = "konnect-test",
        }, NullLogger<GatewayApiStatusWriter>.Instance, _clock);
        var stop = new CancellationTokenSource();
        _loops.Add((stop, writer.RunAsync(stop.Token)));
        return writer;
    }

    private static Condition Cond(string type, string status, string reason, long generation = 1, string message = "") =>
        new() { Type = type, Status = status, Reason = reason, Message = message, ObservedGeneration = generation };

    private static ObjectStatus ClassStatus(long generation = 1) => new()
    {
        Object = ClassRef,
        Generation = generation,
        Conditions = [Cond(ConditionTypes.Accepted, "True", "Accepted", generation, "Konnect serves the Gateways of this class")],
    };

    private static ObjectStatus GatewayStatus(long generation = 1, int attached = 1, string listenerAccepted = "True", string reason = "Accepted") => new()
    {
        Object = GatewayRef,
        Generation = generation,
        Conditions = [Cond(ConditionTypes.Accepted, "True", "Accepted", generation), Cond(ConditionTypes.Programmed, "True", "Programmed", generation)],
        Listeners =
        [
            new ListenerStatus
            {
                Name = "http",
                SupportedKinds = [new RouteGroupKind { Group = GatewayApiGroup.Group, Kind = HttpRoute.KindName }],
                AttachedRoutes = attached,
                Conditions = [Cond(ConditionTypes.Accepted, listenerAccepted, reason, generation, listenerAccepted == "True" ? "" : "protocol TCP is not served")],
            },
        ],
    };

    private static RouteParentStatus Parent(string gateway, string accepted = "True", string reason = "Accepted", long generation = 1) => new()
    {
        ParentRef = new ParentReference { Name = gateway },
        ControllerName = GatewayApiGroup.ControllerName,
        Conditions = [Cond(ConditionTypes.Accepted, accepted, reason, generation, accepted == "True" ? "" : "no listener admits the route"), Cond(ConditionTypes.ResolvedRefs, "True", "ResolvedRefs", generation)],
    };

    private static ObjectStatus RouteStatus(long generation = 1, params RouteParentStatus[] parents) =>
        new() { Object = RouteRef, Generation = generation, Conditions = [], Parents = parents };

    private static async Task ReportAndWaitAsync(GatewayApiStatusWriter writer, params ObjectStatus[] statuses)
    {
        await writer.ReportAsync(statuses, CancellationToken.None);
        await WaitUntilAsync(() => writer.CaughtUp);
    }

    private GatewayClass ServerClass() => _server.Get(ResourceTypes.GatewayClasses, null, "konnect")!;
    private Gateway ServerGateway() => _server.Get(ResourceTypes.Gateways, Ns, "gw")!;
    private HttpRoute ServerRoute() => _server.Get(ResourceTypes.HttpRoutes, Ns, "web")!;
    private int Patches(string plural) => _server.CountRequests("PATCH", $"/{plural}/" + (plural == "gatewayclasses" ? "konnect" : plural == "gateways" ? "gw" : "web") + "/status");
    private async Task<List<k8s.Models.Eventsv1Event>> EventsAsync() => [.. (await _client.Kubernetes.EventsV1.ListNamespacedEventAsync(Ns)).Items];

    /// <summary>Another controller's entry, written through the status subresource as that controller would.</summary>
    private Task SeedOtherControllerAsync() => _client.PatchStatusAsync(ResourceTypes.HttpRoutes, Ns, "web", JsonNode.Parse($$$"""
        {"status":{"parents":[{"parentRef":{"name":"theirs"},"controllerName":"{{{Other}}}",
          "conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"theirs","observedGeneration":1,"lastTransitionTime":"2026-01-01T00:00:00Z"}]}]}}
        """)!.AsObject(), CancellationToken.None);

    [Fact]
    public async Task ReportAsync_EachKind_StatusWrittenThroughItsSubresource()
    {
        var writer = Start(() => true);

        await ReportAndWaitAsync(writer, ClassStatus(), GatewayStatus(), RouteStatus(1, Parent("gw")));

        var accepted = Assert.Single(ServerClass().Status!.Conditions!);
        Assert.Equal(("Accepted", "True", 1L), (accepted.Type, accepted.Status, accepted.ObservedGeneration));
        Assert.NotNull(accepted.LastTransitionTime);
        var gateway = ServerGateway().Status!;
        Assert.Equal(["Accepted", "Programmed"], gateway.Conditions!.Select(c => c.Type));
        var listener = Assert.Single(gateway.Listeners!);
        Assert.Equal(("http", 1, HttpRoute.KindName), (listener.Name, listener.AttachedRoutes, Assert.Single(listener.SupportedKinds).Kind));
        Assert.All(listener.Conditions, c => Assert.NotNull(c.LastTransitionTime));
        Assert.Null(gateway.Addresses);
        var parent = Assert.Single(ServerRoute().Status!.Parents!);
        Assert.Equal((GatewayApiGroup.ControllerName, "gw"), (parent.ControllerName, parent.ParentRef.Name));
        Assert.All(parent.Conditions, c => Assert.Equal(1L, c.ObservedGeneration));
        // Read through the status subresource (the only get Konnect's RBAC grants on these kinds), then patched there.
        Assert.Equal(1, _server.CountRequests("GET", "/gatewayclasses/konnect/status"));
        Assert.Equal(1, _server.CountRequests("GET", "/gateways/gw/status"));
        Assert.Equal(1, _server.CountRequests("GET", "/httproutes/web/status"));
        Assert.Equal("konnect", ServerGateway().Spec.GatewayClassName);
    }

    [Fact]
    public async Task ReportAsync_SameStatusAgain_NotRewritten()
    {
        var writer = Start(() => true);
        await ReportAndWaitAsync(writer, ClassStatus(), GatewayStatus(), RouteStatus(1, Parent("gw")));

        await ReportAndWaitAsync(writer, ClassStatus(), GatewayStatus(), RouteStatus(1, Parent("gw")));
        // A new leader reads the objects again and finds nothing to write.
        writer.OnLeadershipChanged(true);
        await WaitUntilAsync(() => writer.CaughtUp);

        Assert.Equal((1, 1, 1), (Patches("gatewayclasses"), Patches("gateways"), Patches("httproutes")));
    }

    [Fact]
    public async Task ReportAsync_StatusUnchangedNewGeneration_LastTransitionTimeKept_ThenMovesOnATransition()
    {
        var writer = Start(() => true);
        await ReportAndWaitAsync(writer, GatewayStatus(), RouteStatus(1, Parent("gw")));
        var first = Assert.Single(ServerGateway().Status!.Listeners!).Conditions[0].LastTransitionTime;
        var firstParent = ServerRoute().Status!.Parents![0].Conditions[0].LastTransitionTime;

        _clock.Offset = TimeSpan.FromHours(1);
        await ReportAndWaitAsync(writer, GatewayStatus(generation: 2, attached: 2), RouteStatus(2, Parent("gw", generation: 2)));

        var listener = Assert.Single(ServerGateway().Status!.Listeners!);
        Assert.Equal((2, 2L, first), (listener.AttachedRoutes, listener.Conditions[0].ObservedGeneration, listener.Conditions[0].LastTransitionTime));
        Assert.All(ServerGateway().Status!.Conditions!, c => Assert.Equal(2L, c.ObservedGeneration));
        var parent = ServerRoute().Status!.Parents![0];
        Assert.Equal((2L, firstParent), (parent.Conditions[0].ObservedGeneration, parent.Conditions[0].LastTransitionTime));

        await ReportAndWaitAsync(writer, GatewayStatus(generation: 2, listenerAccepted: "False", reason: "UnsupportedProtocol"));

        var moved = Assert.Single(ServerGateway().Status!.Listeners!).Conditions[0];
        Assert.Equal("False", moved.Status);
        Assert.True(moved.LastTransitionTime >= first!.Value.AddMinutes(59), $"{moved.LastTransitionTime} is a transition an hour after {first}");
    }

    [Fact]
    public async Task ReportAsync_HttpRoute_OtherControllersParentsKept_KonnectsGoneParentsRemoved()
    {
        await SeedOtherControllerAsync();
        var writer = Start(() => true);

        await ReportAndWaitAsync(writer, RouteStatus(1, Parent("gw"), Parent("gw2")));
        Assert.Equal([(Other, "theirs"), (GatewayApiGroup.ControllerName, "gw"), (GatewayApiGroup.ControllerName, "gw2")],
            ServerRoute().Status!.Parents!.Select(p => (p.ControllerName, p.ParentRef.Name)));

        // gw2 no longer reported: its entry goes, the other controller's stays untouched (its time and message too).
        await ReportAndWaitAsync(writer, RouteStatus(1, Parent("gw")));
        Assert.Equal([(Other, "theirs"), (GatewayApiGroup.ControllerName, "gw")], ServerRoute().Status!.Parents!.Select(p => (p.ControllerName, p.ParentRef.Name)));

        // The route left Konnect's Gateways altogether (the translator reports it no more): Konnect's entries go.
        await ReportAndWaitAsync(writer, ClassStatus());
        await WaitUntilAsync(() => writer.CaughtUp && ServerRoute().Status!.Parents!.Count == 1);
        var theirs = Assert.Single(ServerRoute().Status!.Parents!);
        Assert.Equal((Other, "theirs", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), (theirs.ControllerName, theirs.Conditions[0].Message, theirs.Conditions[0].LastTransitionTime!.Value));
        var patches = Patches("httproutes");
        await ReportAndWaitAsync(writer, ClassStatus(2));
        Assert.Equal(patches, Patches("httproutes"));
    }

    [Fact]
    public async Task ReportAsync_OtherControllerWritesAfterTheRead_ConflictReadAgainAndMerged()
    {
        var writer = Start(() => true);
        await ReportAndWaitAsync(writer, RouteStatus(1, Parent("gw")));

        // Another controller writes its entry: what the writer read is stale now, so its patch's precondition fails.
        var parents = JsonNode.Parse($$"""[{"parentRef":{"name":"gw"},"controllerName":"{{GatewayApiGroup.ControllerName}}","conditions":[]},{"parentRef":{"name":"theirs"},"controllerName":"{{Other}}","conditions":[]}]""")!;
        await _client.PatchStatusAsync(ResourceTypes.HttpRoutes, Ns, "web", new JsonObject { ["status"] = new JsonObject { ["parents"] = parents } }, CancellationToken.None);
        _server.ClearRequests();
        await ReportAndWaitAsync(writer, RouteStatus(2, Parent("gw", generation: 2)));

        // The first patch carried the stale resourceVersion (409), the route was read again, the second went through.
        Assert.Equal((2, 1), (_server.CountRequests("PATCH", "/httproutes/web/status"), _server.CountRequests("GET", "/httproutes/web/status")));
        var written = ServerRoute().Status!.Parents!;
        Assert.Equal([(GatewayApiGroup.ControllerName, "gw"), (Other, "theirs")], written.Select(p => (p.ControllerName, p.ParentRef.Name)));
        Assert.Equal(2L, written[0].Conditions[0].ObservedGeneration);
    }

    [Fact]
    public async Task ReportAsync_PublishAddress_GatewayAddressesTypedIpOrHostname()
    {
        var writer = Start(() => true, new IngressPublishOptions { Addresses = ["203.0.113.7", "gw.example.com"] });

        await ReportAndWaitAsync(writer, GatewayStatus(), RouteStatus(1, Parent("gw")));

        Assert.Equal([("IPAddress", "203.0.113.7"), ("Hostname", "gw.example.com")], ServerGateway().Status!.Addresses!.Select(a => (a.Type, a.Value)));
    }

    [Fact]
    public async Task ReportAsync_NotLeader_NothingWrittenUntilElected()
    {
        var leader = false;
        var writer = Start(() => leader);

        await ReportAndWaitAsync(writer, ClassStatus(), GatewayStatus(), RouteStatus(1, Parent("gw")));
        Assert.Equal(0, _server.CountRequests("PATCH"));

        leader = true;
        writer.OnLeadershipChanged(true);
        await WaitUntilAsync(() => writer.CaughtUp && ServerRoute().Status is not null);
        Assert.NotNull(ServerClass().Status);
        Assert.NotNull(ServerGateway().Status);
    }

    [Fact]
    public async Task ReportAsync_NotAccepted_OneWarningEventPerDistinctRefusal()
    {
        var writer = Start(() => true);

        await ReportAndWaitAsync(writer, GatewayStatus(listenerAccepted: "False", reason: "UnsupportedProtocol"), RouteStatus(1, Parent("gw", "False", "NotAllowedByListeners")));
        await ReportAndWaitAsync(writer, GatewayStatus(generation: 2, listenerAccepted: "False", reason: "UnsupportedProtocol"), RouteStatus(2, Parent("gw", "False", "NotAllowedByListeners", 2)));
        // A failover: the new leader finds the refusals already on the objects and records nothing again.
        writer.OnLeadershipChanged(true);
        await WaitUntilAsync(() => writer.CaughtUp);

        var events = await EventsAsync();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(("Warning", "konnect.dev/gateway", GatewayApiGroup.ApiVersion), (e.Type, e.ReportingController, e.Regarding!.ApiVersion)));
        Assert.Contains(events, e => e is { Reason: "UnsupportedProtocol", Note: "listener http: protocol TCP is not served" } && e.Regarding!.Kind == Gateway.KindName
            && e.Regarding.Uid == ServerGateway().Metadata.Uid);
        Assert.Contains(events, e => e is { Reason: "NotAllowedByListeners", Note: "parent gw: no listener admits the route" } && e.Regarding!.Kind == HttpRoute.KindName);
    }

    [Fact]
    public async Task ReportAsync_ApiServerDown_NewestStatusWrittenWhenItAnswersAgain()
    {
        var writer = Start(() => true);
        await _server.StopAsync();

        await writer.ReportAsync([GatewayStatus(attached: 1)], CancellationToken.None);
        await WaitUntilAsync(() => _client.Probe.IsDown);
        await writer.ReportAsync([GatewayStatus(attached: 3)], CancellationToken.None);
        Assert.False(writer.CaughtUp);
        await _server.RestartAsync();

        await WaitUntilAsync(() => ServerGateway().Status?.Listeners is [{ AttachedRoutes: 3 }]);
        await WaitUntilAsync(() => writer.CaughtUp);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "condition not met in time");
            await Task.Delay(10);
        }
    }

    /// <summary>The system clock moved by <see cref="Offset"/>: a later write happens "an hour later".</summary>
    private sealed class ShiftedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
    }
}
