using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Testing.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Kubernetes.Tests.LeaderElection;

public sealed class LeaderElectorTests : IAsyncLifetime
{
    private const string Ns = "konnect-system";
    private FakeKubeApiServer _server = null!;
    private readonly List<(LeaderElector Elector, CancellationTokenSource Stop, Task Run, KubeApiClient Client)> _running = [];

    public async Task InitializeAsync() => _server = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var (_, stop, run, client) in _running)
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(5));
            stop.Dispose();
            client.Dispose();
        }
        await _server.DisposeAsync();
    }

    // Short but consistent durations: lease 1.5 s (stored as 2 s), renew deadline 1 s, retry 200 ms.
    private const string Leases = "/apis/coordination.k8s.io/v1/leases";

    /// <param name="lease">The lease duration; the tests' 1.5 s unless one needs a wider gap between a takeover after a
    /// release and one after the lease ran out.</param>
    private LeaderElector Start(string identity, DelegatingHandler? handler = null, TimeSpan? lease = null)
    {
        var client = new KubeApiClient(_server.CreateClientConfig(), new KubeApiClientOptions { RequestTimeout = TimeSpan.FromSeconds(2) },
            handler is null ? [] : [handler]);
        var elector = new LeaderElector(client, new LeaderElectionOptions
        {
            LeaseNamespace = Ns,
            Identity = identity,
            LeaseDuration = lease ?? TimeSpan.FromSeconds(1.5),
            RenewDeadline = lease is { } l ? l * 2 / 3 : TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        }, NullLogger<LeaderElector>.Instance);
        var stop = new CancellationTokenSource();
        _running.Add((elector, stop, elector.RunAsync(stop.Token), client));
        return elector;
    }

    private V1Lease? CurrentLease() =>
        _server.Get(Leases, Ns, "konnect-leader") is { } json ? KubernetesJson.Deserialize<V1Lease>(json.ToJsonString()) : null;

    [Fact]
    public async Task RunAsync_TwoCandidates_ExactlyOneLeadsAndHoldsTheLease()
    {
        var a = Start("pod-a");
        var b = Start("pod-b");

        await WaitUntilAsync(() => a.IsLeader || b.IsLeader, TimeSpan.FromSeconds(5));
        // Across several renewals, never two leaders and never none.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            Assert.True(a.IsLeader ^ b.IsLeader);
            await Task.Delay(50);
        }

        var leader = a.IsLeader ? a : b;
        var lease = CurrentLease()!;
        Assert.Equal(leader.Identity, lease.Spec.HolderIdentity);
        Assert.Equal(2, lease.Spec.LeaseDurationSeconds);
        Assert.Equal(0, lease.Spec.LeaseTransitions);
        Assert.NotNull(lease.Spec.AcquireTime);
        Assert.True(lease.Spec.RenewTime > lease.Spec.AcquireTime, "the leader renews");
        // MicroTime on the wire: six fractional digits.
        var raw = _server.Get(Leases, Ns, "konnect-leader")!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", raw["spec"]!["renewTime"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_LeaderCancelled_ReleasesAndOtherTakesOverQuickly()
    {
        // A 10 s lease: a takeover within 5 s can only come from the release, even on a loaded machine (with the 1.5 s
        // lease, one stalled second made a release and an expiry look alike).
        var a = Start("pod-a", lease: TimeSpan.FromSeconds(10));
        await WaitUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(5));
        var b = Start("pod-b", lease: TimeSpan.FromSeconds(10));
        var changes = new List<bool>();
        a.LeadershipChanged += changes.Add;
        await Task.Delay(300);
        Assert.False(b.IsLeader);

        var (_, stop, run, _) = _running[0];
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        var released = Stopwatch.StartNew();

        Assert.False(a.IsLeader);
        Assert.Equal([false], changes);
        await WaitUntilAsync(() => b.IsLeader, TimeSpan.FromSeconds(5));
        // Released: b need not wait out the 10 s lease, only its next retry.
        Assert.True(released.Elapsed < TimeSpan.FromSeconds(5), $"takeover took {released.Elapsed}");
        var lease = CurrentLease()!;
        Assert.Equal("pod-b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
    }

    [Fact]
    public async Task RunAsync_ServerUnavailable_LeaderStepsDownWithinRenewDeadline()
    {
        var a = Start("pod-a");
        await WaitUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(5));
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.LeadershipChanged += leader => { if (!leader) { lost.TrySetResult(); } };

        _server.SetAvailable(false);
        var watch = Stopwatch.StartNew();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(a.IsLeader);
        // Renew deadline 1 s plus at most one retry period and a request.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"stepped down after {watch.Elapsed}");

        // When the server comes back, it campaigns again and (its own lease being the last it saw) leads again.
        _server.SetAvailable(true);
        await WaitUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task RunAsync_ServerRefusesConnectionsPastRenewDeadline_StepsDownThenTakesItsOwnLeaseBack()
    {
        var a = Start("pod-a");
        await WaitUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(5));
        var transitions = CurrentLease()!.Spec.LeaseTransitions;

        await _server.StopAsync();
        // No renewal within the renew deadline: it must stop acting as leader while the server is away.
        await WaitUntilAsync(() => !a.IsLeader, TimeSpan.FromSeconds(5));
        await _server.RestartAsync();
        var back = Stopwatch.StartNew();

        await WaitUntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(5));
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2), $"led again {back.Elapsed.TotalSeconds:0.00} s after the server answered");
        var lease = CurrentLease()!;
        Assert.Equal("pod-a", lease.Spec.HolderIdentity);
        // Its own lease, taken back: no transition.
        Assert.Equal(transitions, lease.Spec.LeaseTransitions);
    }

    [Fact]
    public async Task RunAsync_ConcurrentTakeoverOfReleasedLease_OneWinsOthersGetConflict()
    {
        // A released lease: free for whoever writes first, so every candidate races on the same resourceVersion.
        _server.Put(Leases, new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["namespace"] = Ns, ["name"] = "konnect-leader" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "", ["leaseDurationSeconds"] = 1, ["leaseTransitions"] = 3 },
        });
        var conflicts = 0;
        var gate = new AsyncGate(4);
        var electors = Enumerable.Range(0, 4)
            .Select(i => Start($"pod-{i}", new RacingHandler(gate, () => Interlocked.Increment(ref conflicts))))
            .ToList();

        await WaitUntilAsync(() => electors.Any(e => e.IsLeader), TimeSpan.FromSeconds(5));
        await Task.Delay(600);

        Assert.Single(electors, e => e.IsLeader);
        Assert.Equal(3, Volatile.Read(ref conflicts));
        var lease = CurrentLease()!;
        Assert.Equal(electors.Single(e => e.IsLeader).Identity, lease.Spec.HolderIdentity);
        Assert.Equal(4, lease.Spec.LeaseTransitions);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < timeout, "condition not met in time");
            await Task.Delay(20);
        }
    }

    /// <summary>Holds each candidate's first PUT until all have read the lease, so they truly race; counts the 409s.</summary>
    private sealed class RacingHandler(AsyncGate gate, Action onConflict) : DelegatingHandler
    {
        private int _puts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Put && Interlocked.Increment(ref _puts) == 1)
            {
                await gate.SignalAndWaitAsync(cancellationToken);
            }
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Put && response.StatusCode == HttpStatusCode.Conflict)
            {
                onConflict();
            }
            return response;
        }
    }

    /// <summary>Opens when all participants have arrived; waits asynchronously so no pool thread is blocked.</summary>
    private sealed class AsyncGate(int participants)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public Task SignalAndWaitAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _arrived) == participants) { _open.TrySetResult(); }
            return _open.Task.WaitAsync(cancellationToken);
        }
    }
}
