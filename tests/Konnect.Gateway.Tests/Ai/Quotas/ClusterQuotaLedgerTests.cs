using System.Globalization;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Quotas;
using Konnect.Gateway.Redis;
using Konnect.Model;
using Konnect.Testing.Redis;
using Microsoft.Extensions.Logging.Abstractions;
using static Konnect.Gateway.Tests.Ai.Quotas.QuotaFixtures;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Quotas;

/// <summary>scope: cluster against a real redis-server: pods share the counts, and a Redis outage admits and says so.</summary>
public sealed class ClusterQuotaLedgerTests : IAsyncLifetime
{
    private readonly QuotaClock _clock = new(Noon);
    private RedisServer _server = null!;
    private RedisConnection _redis = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartNewAsync();
        _redis = new RedisConnection(new RedisOptions { Address = _server.Endpoint }, NullLogger<RedisConnection>.Instance);
        // The first connect may take longer than one command timeout on a loaded machine: wait until Redis answers.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string? problem;
        while ((problem = await _redis.PingAsync()) is not null && DateTime.UtcNow < deadline) { await Task.Delay(50); }
        Assert.Null(problem);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.DisposeAsync();
    }

    /// <summary>A gateway pod's ledgers: each test makes two to play two pods sharing one Redis.</summary>
    private QuotaLedgers Pod() => new(_clock, _redis, NullLogger<QuotaLedgers>.Instance);

    private static AiQuotaModel Cluster(long tokens, AiQuotaPeriod period = AiQuotaPeriod.Minute, AiQuotaKey key = AiQuotaKey.Consumer) =>
        TokenQuota(tokens, period, key, RateLimitScope.Cluster);

    [Fact]
    public async Task Reserve_TwoPods_ShareTheCount()
    {
        var block = Block(Cluster(1_000));
        var a = Pod().For("r", block);
        var b = Pod().For("r", block);

        var first = Admitted(await a.ReserveAsync(Subject(), 200, 400, "m"));
        Assert.Equal((400, 1_000), (first.Remaining, first.Limit));
        Assert.Null(first.Problem);

        var refused = Refused(await b.ReserveAsync(Subject(), 200, 401, "m"));
        Assert.Equal((0, AiQuotaKey.Consumer, AiQuotaPeriod.Minute), (refused.Index, refused.Key, refused.Period));
        Assert.Equal((1_000m, 400m), (refused.Limit, refused.Remaining));
        Assert.Equal(TimeSpan.FromSeconds(40), refused.ResetAfter);
        Assert.Equal(0, Admitted(await b.ReserveAsync(Subject(), 0, 400, "m")).Remaining);
    }

    [Fact]
    public async Task SettleAndRelease_MoveTheSharedCount()
    {
        var block = Block(Cluster(1_000));
        var a = Pod().For("r", block);
        var b = Pod().For("r", block);
        var settled = Admitted(await a.ReserveAsync(Subject(), 100, 400, "m"));
        var released = Admitted(await a.ReserveAsync(Subject(), 100, 400, "m"));
        Refused(await b.ReserveAsync(Subject(), 1, 0, "m"));

        await settled.SettleAsync(new TokenUsage(100, 50), "m");
        await released.ReleaseAsync();

        Assert.Equal(0, Admitted(await b.ReserveAsync(Subject(), 850, 0, "m")).Remaining);
    }

    [Fact]
    public async Task Settle_AboveTheReservation_ChargedAboveTheLimit()
    {
        var ledger = Pod().For("r", Block(Cluster(1_000)));
        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 100, 100, "m"));

        await reservation.SettleAsync(new TokenUsage(700, 600), "m");

        Assert.Equal(0m, Refused(await ledger.ReserveAsync(Subject(), 1, 0, "m")).Remaining);
        var keys = await KeysAsync();
        Assert.Equal("1300", (await _server.CliAsync("GET", Assert.Single(keys))).Trim());
    }

    [Fact]
    public async Task Counters_ExpireAfterTheirWindowAndMargin()
    {
        var ledger = Pod().For("r", Block(Cluster(1_000), Cluster(10_000, AiQuotaPeriod.Day)));
        Admitted(await ledger.ReserveAsync(Subject(), 1, 0, "m"));

        var ttls = new List<long>();
        foreach (var key in await KeysAsync()) { ttls.Add(long.Parse((await _server.CliAsync("PTTL", key)).Trim(), CultureInfo.InvariantCulture)); }
        ttls.Sort();

        var minute = (TimeSpan.FromSeconds(40) + QuotaLedger.ExpiryMargin).TotalMilliseconds;
        var day = (TimeSpan.FromHours(12) - TimeSpan.FromSeconds(20) + QuotaLedger.ExpiryMargin).TotalMilliseconds;
        Assert.InRange(ttls[0], minute - 5_000, minute);
        Assert.InRange(ttls[1], day - 5_000, day);
    }

    [Fact]
    public async Task Reserve_NextWindow_CountRestarts()
    {
        var ledger = Pod().For("r", Block(Cluster(1_000)));
        Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m"));
        Refused(await ledger.ReserveAsync(Subject(), 1, 0, "m"));

        _clock.Advance(TimeSpan.FromSeconds(40));

        Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m"));
    }

    [Fact]
    public async Task ConsumerGroup_SeveralGroups_MustFitInEveryOne()
    {
        var ledger = Pod().For("r", Block(Cluster(1_000, key: AiQuotaKey.ConsumerGroup)));
        Admitted(await ledger.ReserveAsync(Subject("a", "fast", "research", "ops"), 600, 0, "m"));

        Assert.Equal(400m, Refused(await ledger.ReserveAsync(Subject("b", "fast", "ops"), 600, 0, "m")).Remaining);
        Admitted(await ledger.ReserveAsync(Subject("c", "fast", "research"), 400, 0, "m"));
        Refused(await ledger.ReserveAsync(Subject("a", "fast", "research", "ops"), 1, 0, "m"));
    }

    [Fact]
    public async Task CostQuota_InRedis_CountedInMillionths()
    {
        var ledger = Pod().For("r", Block([CostQuota(1m, scope: RateLimitScope.Cluster)], [new AiPriceModel("m", 0.15m, 0.60m)]));
        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 1_000_000, "m"));

        Assert.Equal(0.25m, Refused(await ledger.ReserveAsync(Subject(), 1_000_000, 1_000_000, "m")).Remaining);
        await reservation.SettleAsync(new TokenUsage(1_000_000, 100_000), "m");

        Assert.Equal("210000", (await _server.CliAsync("GET", Assert.Single(await KeysAsync()))).Trim());
    }

    [Fact]
    public async Task LocalAndCluster_RedisRefuses_LocalCountGivenBack()
    {
        var block = Block(TokenQuota(1_000), Cluster(1_000, key: AiQuotaKey.Route));
        var a = Pod().For("r", block);
        var b = Pod().For("r", block);
        Admitted(await b.ReserveAsync(Subject("someone-else"), 1_000, 0, "m"));

        var refused = Refused(await a.ReserveAsync(Subject(), 500, 0, "m"));
        Assert.Equal(1, refused.Index);

        // a's local count for alice is back to zero: next window (route free again) she gets all 1,000.
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, Admitted(await a.ReserveAsync(Subject(), 1_000, 0, "m")).Remaining);
    }

    [Fact]
    public async Task Reserve_50AtOnceOnTwoPods_NeverMoreThanTheBudget()
    {
        const long budget = 10_000;
        for (var round = 0; round < 5; round++)
        {
            // Another rule each round: fresh keys.
            var block = Block(Cluster(budget, AiQuotaPeriod.Hour, AiQuotaKey.Route), Cluster(budget * 2, AiQuotaPeriod.Day));
            var pods = new[] { Pod().For("r" + round, block), Pod().For("r" + round, block) };
            var random = new Random(round);
            var amounts = Enumerable.Range(0, 50).Select(_ => (Input: (long)random.Next(50, 400), Cap: (long)random.Next(50, 400))).ToArray();
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var calls = amounts.Select(async (a, i) =>
            {
                await start.Task;
                return await pods[i % 2].ReserveAsync(Subject("c" + i % 3), a.Input, a.Cap, "m") is QuotaAdmission.Admitted ? a.Input + a.Cap : 0;
            }).ToArray();
            start.SetResult();
            var admitted = await Task.WhenAll(calls);

            var sum = admitted.Sum();
            Assert.InRange(sum, budget - 800, budget);
            var probe = Admitted(await pods[0].ReserveAsync(Subject(), 0, 0, "m"));
            Assert.Null(probe.Problem);
            Assert.Equal(budget - sum, probe.Remaining);
        }
        Assert.Null(Pod().LastRedisProblem);
    }

    [Fact]
    public async Task RedisStopped_AdmitsWithTheProblem_AndCountsAgainOnceBack()
    {
        var ledgers = Pod();
        var ledger = ledgers.For("r", Block(Cluster(1_000)));
        Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m"));

        await _server.StopAsync();
        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m"));
        Assert.Contains(_server.Endpoint, reservation.Problem);
        Assert.Equal(reservation.Problem, ledgers.LastRedisProblem);
        Assert.Equal((-1, -1), (reservation.Remaining, reservation.Limit));
        // Settling what Redis never took is a no-op, and does not throw while Redis is down.
        await reservation.SettleAsync(new TokenUsage(10, 10), "m");

        // Redis comes back empty (no persistence): counting resumes.
        await _server.StartAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        QuotaReservation again;
        while ((again = Admitted(await ledger.ReserveAsync(Subject(), 600, 0, "m"))).Problem is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.Null(again.Problem);
        Assert.Null(ledgers.LastRedisProblem);
        Refused(await ledger.ReserveAsync(Subject(), 600, 0, "m"));
    }

    private async Task<string[]> KeysAsync() =>
        (await _server.CliAsync("--scan", "--pattern", "konnect:aq:*")).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
