using System.Diagnostics;
using k8s;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Kubernetes;
using Konnect.Model;
using Konnect.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests.Status;

public sealed class StatusWriterTests : IAsyncLifetime
{
    private const string Ns = "shop";
    private static readonly ObjectRef Orders = new(KonnectRoute.KindName, Ns, "orders");
    private FakeKubeApiServer _server = null!;
    private KubeApiClient _client = null!;
    private readonly List<(CancellationTokenSource Stop, Task Run)> _loops = [];

    public async Task InitializeAsync()
    {
        _server = await FakeKubeApiServer.StartAsync();
        _client = new KubeApiClient(_server.CreateClientConfig());
        _server.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
        {
            Metadata = new ObjectMeta { Namespace = Ns, Name = "orders" },
            Spec = new KonnectRouteSpec { Hosts = ["shop.example.com"] },
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

    private StatusWriter Start(Func<bool> isLeader, TimeSpan? flushDelay = null, TimeSpan? backoff = null)
    {
        var writer = new StatusWriter(_client, isLeader, new StatusWriterOptions
        {
            FlushDelay = flushDelay ?? TimeSpan.FromMilliseconds(50),
            InitialBackoff = backoff ?? TimeSpan.FromMilliseconds(50),
            MaxBackoff = backoff ?? new StatusWriterOptions().MaxBackoff,
            ReportingInstance = "konnect-test",
        }, NullLogger<StatusWriter>.Instance);
        var stop = new CancellationTokenSource();
        _loops.Add((stop, writer.RunAsync(stop.Token)));
        return writer;
    }

    private static ObjectStatus Status(string acceptedStatus = "True", string reason = "Accepted", string message = "ok", string programmed = "True", long generation = 1) => new()
    {
        Object = Orders,
        Generation = generation,
        Conditions =
        [
            new Condition { Type = ConditionTypes.Accepted, Status = acceptedStatus, Reason = reason, Message = message, ObservedGeneration = generation },
            new Condition { Type = ConditionTypes.Programmed, Status = programmed, Reason = programmed == "True" ? "Programmed" : "Pending", Message = "", ObservedGeneration = generation },
        ],
    };

    private static async Task ReportAndWaitAsync(StatusWriter writer, ObjectStatus status)
    {
        await writer.ReportAsync([status], CancellationToken.None);
        await WaitUntilAsync(() => writer.CaughtUp);
    }

    private KonnectStatus? RouteStatus() => _server.Get(ResourceTypes.KonnectRoutes, Ns, "orders")!.Status;
    private int Patches => _server.CountRequests("PATCH", "/status");
    private int EventsCreated => _server.CountRequests("POST", "/events");

    [Fact]
    public async Task ReportAsync_Leader_WritesConditionsWithTimesAndObservedGeneration()
    {
        var writer = Start(() => true);

        await ReportAndWaitAsync(writer, Status());

        var status = RouteStatus()!;
        Assert.Equal(1, Patches);
        Assert.Equal([ConditionTypes.Accepted, ConditionTypes.Programmed], status.Conditions!.Select(c => c.Type));
        Assert.All(status.Conditions!, c => Assert.NotNull(c.LastTransitionTime));
        Assert.All(status.Conditions!, c => Assert.Equal(1, c.ObservedGeneration));
        // Status only: spec and generation untouched.
        var route = _server.Get(ResourceTypes.KonnectRoutes, Ns, "orders")!;
        Assert.Equal(["shop.example.com"], route.Spec.Hosts!);
        Assert.Equal(1, route.Metadata.Generation);
    }

    [Fact]
    public async Task ReportAsync_SameStatusAgain_NoFurtherPatch()
    {
        var writer = Start(() => true);
        await ReportAndWaitAsync(writer, Status());

        await ReportAndWaitAsync(writer, Status());
        await ReportAndWaitAsync(writer, Status());

        Assert.Equal(1, Patches);
    }

    [Fact]
    public async Task ReportAsync_ChangedStatus_ExactlyOnePatch()
    {
        var writer = Start(() => true);
        await ReportAndWaitAsync(writer, Status());

        await ReportAndWaitAsync(writer, Status(programmed: "False"));

        Assert.Equal(2, Patches);
        Assert.Equal("False", RouteStatus()!.Conditions!.Single(c => c.Type == ConditionTypes.Programmed).Status);
    }

    [Fact]
    public async Task ReportAsync_PolicyAncestors_WrittenKeptThenRemoved()
    {
        var policy = new ObjectRef(KonnectPolicy.KindName, Ns, "limits");
        _server.Put(ResourceTypes.KonnectPolicies, new KonnectPolicy { Metadata = new ObjectMeta { Namespace = Ns, Name = "limits" } });
        var ancestor = new PolicyAncestorStatus
        {
            AncestorRef = new PolicyAncestorRef { Group = "gateway.networking.k8s.io", Kind = "Gateway", Namespace = Ns, Name = "public" },
            ControllerName = "konnect.dev/gateway-controller",
            Conditions = [new Condition { Type = ConditionTypes.Accepted, Status = "True", Reason = "Accepted", Message = "enforced", ObservedGeneration = 1 }],
        };
        var withAncestor = Status() with { Object = policy, Ancestors = [ancestor] };
        var writer = Start(() => true);
        KonnectStatus? PolicyStatus() => _server.Get(ResourceTypes.KonnectPolicies, Ns, "limits")!.Status;

        await ReportAndWaitAsync(writer, withAncestor);
        var written = Assert.Single(PolicyStatus()!.Ancestors!);
        Assert.Equal("public", written.AncestorRef.Name);
        Assert.NotNull(Assert.Single(written.Conditions).LastTransitionTime);

        // The same ancestors again (a fresh list, equal by value) write nothing.
        await ReportAndWaitAsync(writer, Status() with { Object = policy, Ancestors = [ancestor with { Conditions = [.. ancestor.Conditions] }] });
        Assert.Equal(1, Patches);

        // No targets any more: the ancestors go (an explicit null in the merge patch).
        await ReportAndWaitAsync(writer, Status() with { Object = policy });
        Assert.Equal(2, Patches);
        Assert.Null(PolicyStatus()!.Ancestors);
    }

    [Fact]
    public async Task ReportAsync_MessageChangedStatusSame_KeepsLastTransitionTime()
    {
        // The object already carries a status written long ago (by an earlier leader).
        var past = new DateTimeOffset(2020, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var seeded = StatusComputation.MergePatch(new KonnectStatus
        {
            Conditions =
            [
                new Condition { Type = ConditionTypes.Accepted, Status = "True", Reason = "Accepted", Message = "old", ObservedGeneration = 1, LastTransitionTime = past },
                new Condition { Type = ConditionTypes.Programmed, Status = "True", Reason = "Programmed", Message = "", ObservedGeneration = 1, LastTransitionTime = past },
            ],
        }, new KonnectStatus());
        await _client.PatchStatusAsync(ResourceTypes.KonnectRoutes, Ns, "orders", seeded, CancellationToken.None);
        var writer = Start(() => true);

        await ReportAndWaitAsync(writer, Status(message: "new", programmed: "False"));

        var conditions = RouteStatus()!.Conditions!;
        var accepted = conditions.Single(c => c.Type == ConditionTypes.Accepted);
        Assert.Equal("new", accepted.Message);
        Assert.Equal(past, accepted.LastTransitionTime);
        Assert.True(conditions.Single(c => c.Type == ConditionTypes.Programmed).LastTransitionTime > past, "a changed status is a transition");
    }

    [Fact]
    public async Task ReportAsync_NotLeader_NoPatch()
    {
        var writer = Start(() => false);

        await ReportAndWaitAsync(writer, Status());

        Assert.Equal(0, Patches);
        Assert.Null(RouteStatus());
    }

    [Fact]
    public async Task ReportAsync_BurstOfTenReports_AtMostTwoPatchesWithTheNewest()
    {
        var writer = Start(() => true, TimeSpan.FromMilliseconds(200));

        for (var i = 0; i < 10; i++)
        {
            await writer.ReportAsync([Status(message: $"pass {i}")], CancellationToken.None);
        }
        await WaitUntilAsync(() => writer.CaughtUp);

        Assert.InRange(Patches, 1, 2);
        Assert.Equal("pass 9", RouteStatus()!.Conditions![0].Message);
    }

    [Fact]
    public async Task ReportAsync_RejectedRoute_OneWarningEventNotRepeated()
    {
        var writer = Start(() => true);

        await ReportAndWaitAsync(writer, Status("False", "InvalidBackend", "rules[0].backends[0]: service \"nope\" not found", programmed: "False"));
        await ReportAndWaitAsync(writer, Status("False", "InvalidBackend", "rules[0].backends[0]: service \"nope\" not found", programmed: "False"));
        // A write for another reason (generation bump) with the same rejection records nothing new either.
        await ReportAndWaitAsync(writer, Status("False", "InvalidBackend", "rules[0].backends[0]: service \"nope\" not found", programmed: "False", generation: 2));

        Assert.Equal(1, EventsCreated);
        // Read back through the library's typed Events API, as `kubectl events` would read it.
        var ev = Assert.Single((await _client.Kubernetes.EventsV1.ListNamespacedEventAsync(Ns)).Items);
        Assert.Equal("Warning", ev.Type);
        Assert.Equal("InvalidBackend", ev.Reason);
        Assert.Equal("rules[0].backends[0]: service \"nope\" not found", ev.Note);
        Assert.Equal("konnect.dev/gateway", ev.ReportingController);
        Assert.Equal("konnect-test", ev.ReportingInstance);
        Assert.Equal("Reconcile", ev.Action);
        Assert.NotNull(ev.EventTime);
        Assert.StartsWith("orders.", ev.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal((KonnectGroup.ApiVersion, KonnectRoute.KindName, Ns, "orders"), (ev.Regarding!.ApiVersion, ev.Regarding.Kind, ev.Regarding.NamespaceProperty, ev.Regarding.Name));
        Assert.False(string.IsNullOrEmpty(ev.Regarding.Uid));
    }

    [Fact]
    public async Task OnLeadershipChanged_NewLeaderObjectsAlreadyCurrent_WritesNothing()
    {
        var leaderA = true;
        var leaderB = false;
        var a = Start(() => leaderA);
        var b = Start(() => leaderB);
        await ReportAndWaitAsync(a, Status());
        await ReportAndWaitAsync(b, Status());
        Assert.Equal(1, Patches);
        var getsBefore = _server.CountRequests("GET", "/orders");

        leaderA = false;
        a.OnLeadershipChanged(false);
        leaderB = true;
        b.OnLeadershipChanged(true);
        await WaitUntilAsync(() => b.CaughtUp);

        Assert.Equal(1, Patches);
        Assert.True(_server.CountRequests("GET", "/orders") > getsBefore, "the new leader reads before it writes");
    }

    [Fact]
    public async Task ReportAsync_ServerErrorThenRecovery_RetriesUntilWritten()
    {
        var writer = Start(() => true);
        _server.ForceNextResponse(503, "ServiceUnavailable");
        _server.ForceNextResponse(409, "Conflict");

        await writer.ReportAsync([Status()], CancellationToken.None);

        await WaitUntilAsync(() => RouteStatus()?.Conditions is { Count: 2 });
    }

    [Fact]
    public async Task ReportAsync_ApiServerDown_WrittenWithinAProbeIntervalOfItsReturn()
    {
        // 30 s is where the per-object backoff (500 ms, doubling) stands after about a minute of failed writes; set it
        // there directly. A writer that backs off from a server that does not answer would hold the write that long.
        var writer = Start(() => true, backoff: TimeSpan.FromSeconds(30));
        await _server.StopAsync();

        await writer.ReportAsync([Status()], CancellationToken.None);
        // The write was attempted and got no answer.
        await WaitUntilAsync(() => _client.Probe.IsDown);
        Assert.False(writer.CaughtUp);
        await _server.RestartAsync();
        var back = Stopwatch.StartNew();

        await WaitUntilAsync(() => RouteStatus()?.Conditions is { Count: 2 });
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2.5), $"written {back.Elapsed.TotalSeconds:0.00} s after the server answered again");
        Assert.Equal(1, Patches);
        await WaitUntilAsync(() => writer.CaughtUp);
    }

    [Fact]
    public async Task ReportAsync_ObjectDeleted_NoPatch()
    {
        var writer = Start(() => true);
        _server.Delete(ResourceTypes.KonnectRoutes, Ns, "orders");

        await ReportAndWaitAsync(writer, Status());
        await ReportAndWaitAsync(writer, Status(message: "changed"));

        Assert.Equal(0, Patches);
    }

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
