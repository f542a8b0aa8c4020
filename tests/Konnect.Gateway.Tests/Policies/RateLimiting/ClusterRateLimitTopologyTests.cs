using System.Diagnostics;
using System.Net;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Gateway.Redis;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Testing.Redis;
using static Konnect.Gateway.Tests.Policies.RateLimiting.RateLimits;

namespace Konnect.Gateway.Tests.Policies.RateLimiting;

/// <summary>scope: cluster through a real three-primary Redis Cluster and through a real Sentinel, including a failover.</summary>
public sealed class ClusterRateLimitTopologyTests : IAsyncLifetime
{
    private TestBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await TestBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    /// <summary>Two limits (so two keys per script call, which must share a slot), keyed by a header.</summary>
    private static RateLimitModel PerCaller() =>
        Block(RateLimitKey.Header, (3, "1h"), (1000, "1h")) with { Header = "X-Caller", Scope = RateLimitScope.Cluster, FailurePolicy = RateLimitFailurePolicy.Closed };

    [Fact]
    public async Task RedisCluster_TwoGateways_EveryCallersBucketsOnTheNodeOfTheirSlotAndShared()
    {
        await using var cluster = await RedisCluster.StartAsync();
        await using var a = await (await TestGateway.StartAsync(configure: o => o.Redis = new RedisOptions { Address = cluster.Address })).RedisAnsweringAsync();
        await using var b = await (await TestGateway.StartAsync(configure: o => o.Redis = new RedisOptions { Address = cluster.Nodes[1].Endpoint })).RedisAnsweringAsync();
        var route = Limited(_backend, PerCaller());
        await a.PublishAsync(route);
        await b.PublishAsync(route);

        // Twelve callers hash to slots all over the cluster; each gets exactly its 3 across both gateways.
        for (var caller = 0; caller < 12; caller++)
        {
            var admitted = 0;
            for (var i = 0; i < 5; i++)
            {
                using var response = await (i % 2 == 0 ? a : b).GetAsync("/limited/x", headers: ("X-Caller", $"caller-{caller}"));
                if (response.StatusCode == HttpStatusCode.OK) { admitted++; }
                else { await AssertLimitedAsync(response); }
            }
            Assert.Equal(3, admitted);
        }
        Assert.Null(RedisUnavailable(a));
        Assert.Null(RedisUnavailable(b));
        // The keys really are spread: more than one node holds some (24 keys, 12 slots, 3 nodes).
        var holding = 0;
        foreach (var node in cluster.Nodes)
        {
            if (int.Parse((await node.CliAsync("dbsize")).Trim()) > 0) { holding++; }
        }
        Assert.True(holding >= 2, $"keys on {holding} node(s) only");
    }

    [Fact]
    public async Task Sentinel_Failover_LimitHoldsAndFollowsToTheNewPrimary()
    {
        const string service = "konnect-test";
        // No 5 s pause before the replica's first full sync.
        await using var primary = await RedisServer.StartNewAsync(null, null, "--repl-diskless-sync-delay", "0");
        await using var replica = await RedisServer.StartNewAsync(null, null, "--replicaof", "127.0.0.1", primary.Port.ToString());
        await Eventually(async () => (await replica.CliAsync("info", "replication")).Contains("master_link_status:up", StringComparison.Ordinal), "the replica in sync");
        await using var sentinel = await RedisServer.StartSentinelAsync(service, primary.Port);
        await Eventually(async () => (await sentinel.CliAsync("sentinel", "replicas", service)).Contains(replica.Port.ToString(), StringComparison.Ordinal),
            "the Sentinel knows the replica");
        await using var gateway = await TestGateway.StartAsync(configure: o => o.Redis = new RedisOptions { Address = sentinel.Endpoint, SentinelService = service });
        await gateway.PublishAsync(Limited(_backend, PerCaller()));
        // Through Sentinel the first connect takes three steps (Sentinel, its answer, the primary); on a loaded machine
        // that can outlast the first requests' wait, which then follow failurePolicy: wait until one is admitted.
        await Eventually(async () =>
        {
            using var response = await gateway.GetAsync("/limited/x", headers: ("X-Caller", "warm-up"));
            return response.StatusCode == HttpStatusCode.OK;
        }, "the gateway connected through the Sentinel");

        Assert.Equal(3, await AdmittedUntilLimitedAsync(gateway, "/limited/x", 5, ("X-Caller", "before")));
        Assert.Contains("konnect:rl:", await primary.CliAsync("--scan", "--pattern", "konnect:rl:*"));

        // Fail over once the replica has every write, then take the old primary away: only the promoted replica can serve the limit now.
        // WAIT from redis-cli would wait for nothing: it counts the replicas that acknowledged that client's own writes,
        // and the gateway's are on another connection. So wait until the replica has applied all the primary has.
        var written = ReplicationOffset(await primary.CliAsync("info", "replication"), "master_repl_offset");
        await Eventually(async () => ReplicationOffset(await replica.CliAsync("info", "replication"), "slave_repl_offset") >= written,
            "the replica has every write of the primary");
        await sentinel.CliAsync("sentinel", "failover", service);
        await Eventually(async () => (await sentinel.CliAsync("sentinel", "get-master-addr-by-name", service)).Contains(replica.Port.ToString(), StringComparison.Ordinal),
            "the Sentinel names the replica as primary");
        await Eventually(async () => (await replica.CliAsync("role")).StartsWith("master", StringComparison.Ordinal), "the replica is primary");
        await primary.StopAsync();

        await Eventually(async () =>
        {
            using var response = await gateway.GetAsync("/limited/x", headers: ("X-Caller", "probe"));
            return response.StatusCode == HttpStatusCode.OK;
        }, "the gateway admits through the new primary");
        Assert.Equal(3, await AdmittedUntilLimitedAsync(gateway, "/limited/x", 5, ("X-Caller", "after")));
        Assert.Contains("konnect:rl:", await replica.CliAsync("--scan", "--pattern", "konnect:rl:*"));
        // The bucket filled before the failover was replicated: that caller is still refused.
        using var before = await gateway.GetAsync("/limited/x", headers: ("X-Caller", "before"));
        await AssertLimitedAsync(before);
    }

    private static long ReplicationOffset(string info, string field) =>
        long.Parse(info.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..],
            System.Globalization.CultureInfo.InvariantCulture);

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"not within 30 s: {what}");
            await Task.Delay(100);
        }
    }
}
